/**
 * An example plugin with two job types that form a tiny pipeline:
 *
 * - `checksum-folder` lists a folder and enqueues one `checksum-file` per file;
 * - `checksum-file` hashes one file and writes `<file>.sha256` next to it.
 *
 * It shows the plugin API end to end: zod schemas as the single source of payload types,
 * declaration merging so `addJob` is checked at compile time, chaining to the next phase
 * at the right priority, and handlers that log through `ctx.logger` and pass `ctx.signal`
 * to their I/O.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { JOB_PRIORITY, definePlugin } from '../../src/index.js';

/** Payload of `checksum-folder`: which folder, and whether a person asked for it. */
export const checksumFolderSchema = z.strictObject({
  folder: z.string().refine((p) => path.isAbsolute(p), 'folder must be an absolute path'),
  manual: z.boolean().optional(),
});

/** Payload of `checksum-file`. */
export const checksumFileSchema = z.strictObject({
  file: z.string().refine((p) => path.isAbsolute(p), 'file must be an absolute path'),
});

// A global, so it merges the same way in an application that imports 'phaseq'.
declare global {
  namespace Phaseq {
    interface JobPayloadMap {
      'checksum-folder': z.infer<typeof checksumFolderSchema>;
      'checksum-file': z.infer<typeof checksumFileSchema>;
    }
  }
}

/** Hex SHA-256 of a file, streamed so large files do not fill memory. */
async function sha256(file: string, signal: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The example plugin: `await queue.use(checksumPlugin)`. */
export const checksumPlugin = definePlugin({
  name: 'checksum',
  jobs: {
    'checksum-folder': {
      schema: checksumFolderSchema,
      handler: async (job, ctx) => {
        const entries = await readdir(job.payload.folder, { withFileTypes: true });
        const files = entries
          .filter((e) => e.isFile() && !e.name.endsWith('.sha256') && !e.name.startsWith('.'))
          .map((e) => path.join(job.payload.folder, e.name));
        // The next phase inherits the urgency: a person waiting goes before background work.
        const manual = job.manual || job.payload.manual === true;
        await ctx.queue.addJobs(
          files.map((file) => ({
            type: 'checksum-file',
            payload: { file },
            priority: manual ? JOB_PRIORITY.HIGH : JOB_PRIORITY.NORMAL,
            manual,
          })),
        );
        ctx.logger.info({ folder: job.payload.folder, files: files.length }, 'checksum: files enqueued');
        return { enqueued: files.length };
      },
    },
    'checksum-file': {
      schema: checksumFileSchema,
      maxRetries: 2,
      // At most four files hashed at once, in every process sharing the queue.
      concurrency: 4,
      handler: async (job, ctx) => {
        const digest = await sha256(job.payload.file, ctx.signal);
        // Temp file + rename: a reader never sees half a checksum.
        const target = `${job.payload.file}.sha256`;
        const temp = `${target}.${process.pid}.tmp`;
        await writeFile(temp, `${digest}  ${path.basename(job.payload.file)}\n`, { signal: ctx.signal });
        await rename(temp, target);
        ctx.logger.info({ file: job.payload.file }, 'checksum: written');
        return { file: job.payload.file, sha256: digest };
      },
    },
  },
});

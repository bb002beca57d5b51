/**
 * A plugin module for `phaseq worker --plugin` and `phaseq add --plugin`: plain ESM that
 * imports phaseq and zod by name and default-exports what `definePlugin` returns (an
 * array of plugins works too). Compile TypeScript plugins to JavaScript first: the
 * command loads modules as Node does.
 *
 * `greet` writes `Hello, <name>!` to `<outDir>/<name>.txt`. Its schema is what
 * `phaseq add greet --payload ...` is checked against before anything is stored.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { definePlugin } from 'phaseq';
import { z } from 'zod';

export default definePlugin({
  name: 'greetings',
  jobs: {
    greet: {
      schema: z.strictObject({
        name: z.string().regex(/^[\p{L} '-]{1,50}$/u, 'name must be 1 to 50 letters, spaces, apostrophes or hyphens'),
        outDir: z.string().refine((p) => path.isAbsolute(p), 'outDir must be an absolute path'),
      }),
      handler: async (job, ctx) => {
        const file = path.join(job.payload.outDir, `${job.payload.name}.txt`);
        await writeFile(file, `Hello, ${job.payload.name}!\n`, { signal: ctx.signal });
        ctx.logger.info({ file }, 'greeting written');
        return { file };
      },
    },
  },
});

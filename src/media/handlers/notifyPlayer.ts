/**
 * The `notify-kodi`, `notify-jellyfin` and `notify-plex` phase: tells one configured
 * player to rescan a library folder. When `playerSync.notify` is off it completes without
 * calling anyone (and says so in the log). The delay (`playerSync.delaySeconds`) was
 * already applied as this job's run time by publish.
 *
 * An HTTP or network error is thrown, so the attempt fails and retries apply; a player
 * name that is not configured fails at once (retrying cannot make it appear).
 */
import { UnrecoverableError } from '../../errors.js';
import type { JobContext } from '../../handlers/HandlerRegistry.js';
import type { Job } from '../../types.js';
import { notifyPlayer } from '../players/index.js';
import { NOTIFY_JOB_TYPES, type NotifyJobType, type NotifyPlayerPayload } from '../schemas.js';
import type { NotifyResult, PlayerKind } from '../types.js';
import { lastPublishedAt, notifyDedupeKey, type MediaServices } from './deps.js';

/** What a `notify-*` job reports as its result. */
export interface NotifyPlayerResult {
  player: string;
  /** False when `playerSync.notify` is off and no call was made. */
  notified: boolean;
  /** The calls made, when notified. */
  result: NotifyResult | null;
  /** Id of the follow-up notify job enqueued because the library changed during the call, or null. */
  followUpJobId: string | null;
}

/**
 * Builds the handler of the notify job type of one player kind.
 *
 * @example
 * ```ts
 * const notifyKodi = createNotifyPlayerHandler(services, 'kodi');
 * ```
 */
export function createNotifyPlayerHandler<K extends PlayerKind>(services: MediaServices, kind: K) {
  const jobType: NotifyJobType = NOTIFY_JOB_TYPES[kind];
  return async function notify(job: Job<NotifyJobType, NotifyPlayerPayload>, ctx: JobContext): Promise<NotifyPlayerResult> {
    const log = ctx.logger;
    const { player: name, libraryPath } = job.payload;
    const player = services.players.find((p) => p.name === name);
    if (!player) {
      const known = services.players.map((p) => `"${p.name}"`).join(', ') || 'none';
      throw new UnrecoverableError(`${jobType}: no player named "${name}" is configured (configured: ${known})`);
    }
    if (player.kind !== kind) {
      throw new UnrecoverableError(`${jobType}: player "${name}" is a ${player.kind} player, not ${kind}`);
    }
    const sync = await ctx.phases.getConfig('playerSync');
    if (!sync.notify) {
      log.info({ player: name, libraryPath }, 'notify: player notification is off (playerSync.notify), no call made');
      return { player: name, notified: false, result: null, followUpJobId: null };
    }
    // Read from the database, not the clock: a publish in the same millisecond as this
    // line is told apart by the value alone (markPublished always moves it forward).
    // (lastPublishedAt covers movie and TV libraries alike.)
    const publishedBefore = lastPublishedAt(services, libraryPath);
    log.info({ player: name, kind, libraryPath, cleanFirst: sync.cleanFirst }, 'notify: calling player');
    const result = await notifyPlayer(player, { libraryPath, cleanFirst: sync.cleanFirst }, ctx.signal);
    log.info({ player: name, playerPath: result.playerPath, calls: result.calls.length }, 'notify: player told to rescan');

    // A publish that finished while this job ran joined it (same dedupe key) but may have
    // written its files after the player was called: one follow-up covers all of them.
    let followUpJobId: string | null = null;
    const latest = lastPublishedAt(services, libraryPath);
    if (latest !== null && latest !== publishedBefore) {
      followUpJobId = await ctx.queue.addJob({
        type: jobType,
        payload: job.payload,
        priority: job.priority,
        manual: job.manual,
        runAt: Date.now() + sync.delaySeconds * 1000,
        dedupeKey: `${notifyDedupeKey(jobType, name, libraryPath)}:after:${job.id}`,
      });
      log.info({ player: name, followUpJobId }, 'notify: library changed during the call, follow-up enqueued');
    }
    return { player: name, notified: true, result, followUpJobId };
  };
}

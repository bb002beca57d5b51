/**
 * The `notify-kodi`, `notify-jellyfin` and `notify-plex` phase: brings one configured
 * player in line with what was published. The job reads its work from the tables — movies,
 * TV shows and episode files published and not yet confirmed by this player, published
 * again since, or deleted since (`PlayerSyncRepository.planFor`) — tells the player,
 * records what the player confirmed, and fails the attempt when the player still lacks
 * one (retries apply). When
 * `playerSync.notify` is off it completes without calling anyone and says so in the log.
 *
 * How publishes join a pending or running sync, and why none is lost: see
 * `playerSyncQueue.ts`.
 */
import { UnrecoverableError, type JobContext, type Job } from '../../index.js';
import { isEmptyPlan } from '../db/PlayerSyncRepository.js';
import { PlayerSyncIncompleteError } from '../errors.js';
import { syncPlayer } from '../players/index.js';
import { NOTIFY_JOB_TYPES, type NotifyJobType, type NotifyPlayerPayload } from '../schemas.js';
import type { PlayerKind, PlayerSyncResult } from '../types.js';
import type { MediaServices } from './deps.js';
import { playerSyncJob } from './playerSyncQueue.js';

/** What a player confirmed of one kind of item in one sync, in counts. */
export interface PlayerChangeCounts {
  added: number;
  refreshed: number;
  removed: number;
}

/** What a `notify-*` job reports as its result: what the player did, in counts. */
export interface NotifyPlayerResult {
  player: string;
  kind: PlayerKind;
  /**
   * False when no sync ran: `playerSync.notify` is off, or a newer sync had passed this
   * job's generation (its work, if any, went to `followUpJobId`). No call was made then.
   */
  notified: boolean;
  /**
   * How the outcome is known: `verified` (the player's library was read back: Kodi),
   * `accepted` (the player accepted the request: Jellyfin, Plex), or null when nothing
   * was sent (notifications off, or nothing to tell).
   */
  confirmation: PlayerSyncResult['confirmation'] | null;
  /** Movies the player holds now and did not before. */
  added: number;
  /** Changed movies the player read again. */
  refreshed: number;
  /** Movies the player dropped. */
  removed: number;
  /** TV shows the player holds now, read again, dropped. */
  shows: PlayerChangeCounts;
  /** Episode files the player holds now (every episode in them), read again, dropped. */
  episodes: PlayerChangeCounts;
  /**
   * Video files (movies, episode files) and show folders the player still lacks, or still
   * lists though removed (always empty on a completed job: a miss fails the attempt).
   */
  missing: string[];
  /** HTTP requests made to the player. */
  requests: number;
  /**
   * Id of the next sync of this player, enqueued (or joined) because something changed
   * while this one ran, or because this job's generation was passed; null otherwise.
   */
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
export function createNotifyPlayerHandler(services: MediaServices, kind: PlayerKind) {
  const jobType: NotifyJobType = NOTIFY_JOB_TYPES[kind];
  return async function notify(job: Job<NotifyJobType, NotifyPlayerPayload>, ctx: JobContext): Promise<NotifyPlayerResult> {
    const log = ctx.logger;
    const { player: name } = job.payload;
    const player = services.players.find((p) => p.name === name);
    if (!player) {
      const known = services.players.map((p) => `"${p.name}"`).join(', ') || 'none';
      throw new UnrecoverableError(`${jobType}: no player named "${name}" is configured (configured: ${known})`);
    }
    if (player.kind !== kind) {
      throw new UnrecoverableError(`${jobType}: player "${name}" is a ${player.kind} player, not ${kind}`);
    }
    const result: NotifyPlayerResult = {
      player: name,
      kind,
      notified: false,
      confirmation: null,
      added: 0,
      refreshed: 0,
      removed: 0,
      shows: { added: 0, refreshed: 0, removed: 0 },
      episodes: { added: 0, refreshed: 0, removed: 0 },
      missing: [],
      requests: 0,
      followUpJobId: null,
    };
    const sync = await ctx.phases.getConfig('playerSync');
    if (!sync.notify) {
      // Nothing is confirmed: once notifications are on again, the next sync tells the player everything.
      log.info({ player: name }, 'notify: player sync is off (playerSync.notify), no call made');
      return result;
    }

    // A job left behind by a newer sync (see playerSyncQueue.ts) makes no call: the newer
    // sync's job, enqueued or joined here, covers whatever is left.
    const { generation } = job.payload;
    if (generation !== undefined && generation < services.syncs.generation(name)) {
      if (!isEmptyPlan(services.syncs.planFor(name))) {
        result.followUpJobId = await ctx.queue.addJob(playerSyncJob(services, player, { manual: job.manual, runAt: Date.now() }));
      }
      log.info({ player: name, generation, followUpJobId: result.followUpJobId }, 'notify: a newer sync passed this one, no call made');
      return result;
    }

    const plan = services.syncs.planFor(name);
    result.notified = true;
    if (isEmptyPlan(plan)) {
      log.info({ player: name }, 'notify: the player holds everything published, no call made');
    } else {
      const counts = (changes: { added: readonly unknown[]; changed: readonly unknown[]; removed: readonly unknown[] }) => ({
        added: changes.added.length,
        changed: changes.changed.length,
        removed: changes.removed.length,
      });
      log.info(
        { player: name, kind, ...counts(plan), shows: counts(plan.shows), episodes: counts(plan.episodes) },
        'notify: syncing player',
      );
      const outcome = await syncPlayer(player, { ...plan, cleanFirst: sync.cleanFirst, timeoutMs: sync.maxWaitSeconds * 1000 }, ctx.signal);
      // What the player confirmed stays confirmed even when this attempt fails below.
      services.syncs.confirm(name, {
        added: outcome.added,
        refreshed: outcome.refreshed,
        removed: outcome.removed,
        shows: outcome.shows,
        episodes: outcome.episodes,
      });
      const done = (o: { added: readonly unknown[]; refreshed: readonly unknown[]; removed: readonly unknown[] }): PlayerChangeCounts => ({
        added: o.added.length,
        refreshed: o.refreshed.length,
        removed: o.removed.length,
      });
      Object.assign(result, {
        confirmation: outcome.confirmation,
        ...done(outcome),
        shows: done(outcome.shows),
        episodes: done(outcome.episodes),
        requests: outcome.requests,
      });
      const missing = [
        ...outcome.missing.map((item) => item.videoFile),
        ...outcome.shows.missing.map((item) => item.folder),
        ...outcome.episodes.missing.map((item) => item.videoFile),
      ];
      log.info({ ...result, missing: missing.length }, 'notify: player synced');
      if (missing.length > 0) {
        throw new PlayerSyncIncompleteError(
          name,
          missing,
          kind === 'kodi'
            ? 'Kodi does not list them after its scan (is the library folder a Kodi source set to "movies" — or "tvshows" for a TV library — with pathMap matching Kodi\'s view?)'
            : 'the player does not hold them',
        );
      }
    }

    // Done with the player: move the generation on, then look at the tables once more.
    // Publishes that joined this job while it ran stored their change before reading the
    // old generation, so this read sees them (see playerSyncQueue.ts).
    services.syncs.advanceGeneration(name);
    if (!isEmptyPlan(services.syncs.planFor(name))) {
      result.followUpJobId = await ctx.queue.addJob(
        playerSyncJob(services, player, { manual: job.manual, runAt: Date.now() + sync.delaySeconds * 1000 }),
      );
      log.info({ player: name, followUpJobId: result.followUpJobId }, 'notify: changes arrived during the sync, next sync enqueued');
    }
    return result;
  };
}

/**
 * How player syncs are queued: at most one per player at a time, and one pending sync per
 * player that every publish (or removal) joins, however many there are.
 *
 * A sync job carries only the player's name; what to do is read from the tables when it
 * runs (see `PlayerSyncRepository.planFor`). Its dedupe key names the player's sync
 * *generation*, which the job moves forward when it has finished its work with the player:
 *
 * - While a sync waits, every publish finds it by its key and joins it (nothing is added).
 * - While it runs, publishes still read the same generation and join it (the queue drops
 *   them), but they stored their publish before reading the generation, and the job moves
 *   the generation forward *before* it reads the tables a last time: a publish that joined
 *   is therefore always seen by that last read, which enqueues the next generation's sync.
 * - Publishes after that point read the new generation: they join that one pending sync.
 *
 * So no publish is lost, and a burst of any size makes a handful of syncs.
 *
 * And only one sync at a time talks to the player, with what the queue offers today (the
 * dedupe key): the next generation's job only exists once the running job is done with the
 * player. A job of an older generation can still appear — a publish that read the old
 * generation just before the running job moved it on, and enqueued just after that job
 * completed; or a job re-run after its worker died having moved the generation — but
 * such a job finds its generation passed: it makes no call, and hands any work left to
 * the current generation's job (enqueueing or joining it). What remains unguarded is a
 * sync job added by hand without a generation. {@link PLAYER_SYNC_JOB_OPTIONS} is the one
 * place to make the queue itself hold one sync per player once it limits concurrency per key.
 */
import type { JobEnqueuer, JobInput } from '../../index.js';
import { NOTIFY_JOB_TYPES, type NotifyJobType } from '../schemas.js';
import type { PlayerConfig } from '../types.js';
import { chainPriority, type MediaServices } from './deps.js';

/**
 * Options every `notify-*` job type is registered with (spread into the plugin's job
 * definitions). Empty today. When the queue gains per-key concurrency, set it to
 * `{ group: { by: (payload: NotifyPlayerPayload) => payload.player, concurrency: 1 } }`:
 * at most one sync per player then runs across every process, whatever the timing.
 */
export const PLAYER_SYNC_JOB_OPTIONS = {} as const;

/** Dedupe key of a player's sync of one generation: every publish of that generation joins it. */
export function playerSyncKey(jobType: NotifyJobType, player: string, generation: number): string {
  return `${jobType}:${player}:g${generation}`;
}

/** The sync job of one player for its current generation. */
export function playerSyncJob(
  services: MediaServices,
  player: PlayerConfig,
  options: { manual: boolean; runAt: number },
): JobInput<NotifyJobType> {
  const type = NOTIFY_JOB_TYPES[player.kind];
  const generation = services.syncs.generation(player.name);
  return {
    type,
    payload: { player: player.name, generation, ...(options.manual ? { manual: true } : {}) },
    priority: chainPriority(options.manual),
    manual: options.manual,
    runAt: options.runAt,
    dedupeKey: playerSyncKey(type, player.name, generation),
  };
}

/**
 * Enqueues (or joins) the pending sync of every configured player, due `delaySeconds`
 * from now. Call it after the change is stored: the sync reads the tables when it runs.
 * Returns the job ids (existing ids for syncs already pending).
 *
 * @example
 * ```ts
 * services.movies.markPublished(movie.id);
 * await enqueuePlayerSyncs(services, ctx.queue, { manual, delaySeconds: sync.delaySeconds });
 * ```
 */
export async function enqueuePlayerSyncs(
  services: MediaServices,
  queue: JobEnqueuer,
  options: { manual: boolean; delaySeconds: number },
): Promise<string[]> {
  if (services.players.length === 0) return [];
  const runAt = Date.now() + options.delaySeconds * 1000;
  return queue.addJobs(services.players.map((player) => playerSyncJob(services, player, { manual: options.manual, runAt })));
}

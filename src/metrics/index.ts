/** Metrics of a queue without any metrics library: job outcomes, queue depth, recent history. Re-exports only. */
export { observeJobOutcomes, type JobOutcomeObserver, type JobEventSource } from './jobOutcomes.js';
export {
  queueDepthReader,
  QUEUE_DEPTH_STATES,
  type QueueDepthRow,
  type QueueDepthSource,
  type QueueDepthState,
} from './queueDepth.js';
export { QueueHistory, type QueueHistoryOptions, type QueueHistorySnapshot, type QueueHistorySource } from './QueueHistory.js';
export type { HistoryBucket, QueueDepthTotals } from './historyBuckets.js';

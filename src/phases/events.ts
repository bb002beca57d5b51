/** The typed events of `PhaseConfigService`: one entry per event, one object payload. */

/**
 * One setting that changed. `origin` is `local` for a change made through this service,
 * `external` for one made by someone else (another process, another service instance),
 * reported when this service next reads.
 */
export type PhaseConfigChange<C> = {
  [P in keyof C & string]: {
    [K in keyof C[P] & string]: {
      /** The phase, e.g. `enrichment`. */
      phase: P;
      /** The field within the phase, e.g. `maxPoster`. */
      field: K;
      /** `phase.field`, e.g. `enrichment.maxPoster`. */
      key: `${P}.${K}`;
      /** The value before the change. */
      previous: C[P][K];
      /** The value now in effect. */
      value: C[P][K];
      origin: 'local' | 'external';
    };
  }[keyof C[P] & string];
}[keyof C & string];

/** Events of `PhaseConfigService`. */
export type PhaseConfigEvents<C> = {
  /** A setting took a new value: one event per changed setting, after it was stored. */
  changed: (change: PhaseConfigChange<C>) => void;
};

// The defaults of the prune verb and its calibration, stated once (beside ADMM_DEFAULTS in admm/problem.ts).
// The CLI's usage text, the library's option defaults and the docs read these constants.

export const PRUNE_DEFAULTS = Object.freeze({
  /** Relative damping δ = damp · mean(diag H) of every ridge solve (compensation, P-step). */
  damp: 0.01,
  /** Module weights w_m. */
  weighting: 'relative' as const,
  /** Sequential refit of the compensation from the pruned prefix. */
  sequential: false,
});

export const CALIBRATION_DEFAULTS = Object.freeze({
  /** Calibration windows. */
  samples: 64,
  /** Tokens per calibration window. */
  seqlen: 256,
  /** Seed of the window draw. */
  seed: 0,
});

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

// The calibration defaults (64 windows × 256 tokens, seed 0) are CALIBRATION_DEFAULTS in data/calibrationWindows.ts.

// The defaults of the prune verb and its calibration, stated once (beside ADMM_DEFAULTS in admm/problem.ts).
// The CLI's usage text, the library's option defaults, the teaching page and the docs read these constants.
// No imports: moduleProblems.ts and the rest read these, so the literal types here are checked where they are used
// (a ModuleWeighting and an AdmmAllocation in prune.ts and web/session.ts).

export const PRUNE_DEFAULTS = Object.freeze({
  /** Relative damping δ = damp · mean(diag H) of every ridge solve (compensation, P-step). */
  damp: 0.01,
  /** Module weights w_m. */
  weighting: 'relative' as const,
  /** Sequential refit of the compensation from the pruned prefix. */
  sequential: false,
});

// The calibration defaults (64 windows × 256 tokens, seed 0) are CALIBRATION_DEFAULTS in data/calibrationWindows.ts.

/**
 * Defaults of method "structprune" where PruneOptions leave them open (README "Allocation", METHOD deviations):
 * loss-aware module weights (block-wise backward), the Fermi–Dirac allocation of the loss-aware energies, its
 * temperature searched on `heldOut` windows over DEFAULT_TEMPERATURE_GRID when they are given, else this T.
 * The other methods keep "relative" weights; the low-level ADMM_DEFAULTS (allocation "threshold") are unchanged.
 */
export const STRUCTPRUNE_DEFAULTS = { weighting: 'loss', allocation: 'fermi-dirac', temperature: 4 } as const;

// Host data shared by the plot tests.
import { AdmmTracePoint } from '../../src/plot/admmTrace';

/** A deterministic 8-iteration trace shaped like a real one (ρ on its schedule, residuals falling, flips dying out). */
export function syntheticTrace(): AdmmTracePoint[] {
  return Array.from({ length: 8 }, (_, k) => ({
    iteration: k,
    rho: k === 0 ? 0 : 0.2 * 1.3 ** (k - 1),
    primalResidual: 2 * Math.exp(-0.8 * k),
    dualResidual: k === 0 ? 0 : 0.5 * Math.exp(-0.5 * k),
    objective: 1 + 0.7 * Math.exp(-0.6 * k),
    flipped: k === 0 ? 0 : Math.max(0, 40 - 10 * k),
  }));
}

// Small synthetic pruning problems (no model): random activations → H, random W⁰.
import { ModuleProblem } from '../../src/prune/moduleProblems';
import { createRng } from '../../src/util/rng';

export function syntheticProblem(id: string, units: number, width: number, d: number, unitCost: number, seed: number, T = 64): ModuleProblem {
  const rng = createRng(seed);
  const n = units * width;
  const A = Float64Array.from({ length: T * n }, () => rng.normal() * (1 + rng.float()));
  const H = new Float64Array(n * n);
  for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) H[i * n + j] += A[t * n + i] * A[t * n + j];
  const W0 = Float32Array.from({ length: n * d }, () => rng.normal());
  let tr = 0;
  for (let i = 0; i < n; i++) tr += H[i * n + i];
  let energy = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += W0[i * d + c] * W0[j * d + c];
      energy += H[i * n + j] * dot;
    }
  return {
    spec: {
      id,
      layer: 0,
      kind: width === 1 ? 'ffn' : 'attn',
      units: Array.from({ length: units }, (_, u) => u),
      width,
      unitCost,
      kvCost: 0,
      downKey: id + '.down',
    },
    n,
    d,
    H,
    W0,
    outputEnergy: energy,
    weight: 1 / energy,
    delta: 0.01 * (tr / n),
  };
}

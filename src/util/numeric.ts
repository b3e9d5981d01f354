// Small numeric helpers shared by experiments and plots: log-spaced grids and log–log power-law fits.

/** `n` log-spaced values from 10^a to 10^b inclusive. */
export function logspace(a: number, b: number, n: number): number[] {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`logspace: n = ${n} must be an integer ≥ 2`);
  return Array.from({ length: n }, (_, i) => 10 ** (a + ((b - a) * i) / (n - 1)));
}

export interface PowerFit {
  exponent: number;
  intercept: number;
  r2: number;
  points: number;
}

/** log-log least squares; needs ≥ 2 points with x, y > 0. */
export function powerLawFit(xs: readonly number[], ys: readonly number[]): PowerFit {
  if (xs.length !== ys.length || xs.length < 2) throw new RangeError(`powerLawFit needs ≥ 2 (x, y) pairs of equal count, got ${xs.length} and ${ys.length}`);
  if ([...xs, ...ys].some((v) => !(v > 0))) throw new RangeError('powerLawFit: every x and y must be > 0');
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const n = lx.length;
  const mx = lx.reduce((a, b) => a + b, 0) / n;
  const my = ly.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (lx[i] - mx) ** 2;
    sxy += (lx[i] - mx) * (ly[i] - my);
    syy += (ly[i] - my) ** 2;
  }
  if (sxx === 0) throw new RangeError('powerLawFit: all x are equal');
  const exponent = sxy / sxx;
  const intercept = my - exponent * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (ly[i] - (intercept + exponent * lx[i])) ** 2;
  return { exponent, intercept, r2: syy > 0 ? 1 - sse / syy : 1, points: n };
}

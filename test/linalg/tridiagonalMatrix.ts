/** Dense symmetric tridiagonal matrix (n×n row-major) with diagonal d and off-diagonal e. */
export function tridiagonalMatrix(d: ArrayLike<number>, e: ArrayLike<number>, n: number): Float64Array {
  const T = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    T[i * n + i] = d[i];
    if (i + 1 < n) T[i * n + i + 1] = T[(i + 1) * n + i] = e[i];
  }
  return T;
}

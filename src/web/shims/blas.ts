// The browser page's src/linalg/blas.ts: no OpenBLAS in a browser (koffi loads native libraries in node only),
// so every caller takes its TypeScript / tfjs path, as with STRUCTPRUNE_BLAS=ts.
import type { BlasInfo, BlasMode } from '../../linalg/blas';
import type { Lapack } from '../../linalg/lapack';

const INFO: BlasInfo = { mode: 'ts', active: 'ts', library: null, corename: null, config: null, threads: null, reason: 'browser: no native libraries' };

export function lapack(): Lapack | null {
  return null;
}

export function blasInfo(): BlasInfo {
  return INFO;
}

export function setBlas(mode: BlasMode): BlasInfo {
  if (mode === 'openblas') throw new Error('OpenBLAS is not available in the browser');
  return INFO;
}

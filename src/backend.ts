// The one module that imports tfjs backends. Everything else takes `tf` from here.
//
// Selection: STRUCTPRUNE_BACKEND=wasm|cpu|tensorflow|webgpu, or the `name` argument of initBackend()
// (also `initBackend({ backend })`). webgpu (a GPU through Dawn over Vulkan; src/backendWebgpu.ts) is used
// only when asked for: its host reads must be async (`await t.data()`, src/util/read.ts).
// Unset: `tensorflow` when @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node is installed (optional peer
// dependencies, never installed by `npm install`), otherwise `wasm` (SIMD, single thread in Node).
// wasm threads (opt-in): STRUCTPRUNE_WASM_THREADS=N or initBackend(name, { threads: N }), N ≥ 2, runs
// tfjs's threaded wasm build with Node worker_threads (src/backendThreads.ts); unset or 1 = single thread.
// If the threaded start fails for any reason, one line goes to stderr and single-threaded wasm is used.
// wasm fast path (STACK.md): plain 2-D matMul without transpose flags; weights are therefore kept
// in `[in, out]` layout in memory so that `x[T, in] @ W[in, out]` needs no transpose.
import * as tf from '@tensorflow/tfjs-core';
import { blasInfo, BlasInfo } from './linalg/blas';

export { tf };

export type BackendName = 'wasm' | 'cpu' | 'tensorflow' | 'webgpu';

export type { GpuAdapterInfo, WebgpuDetails } from './backendWebgpu';

export interface BackendInfo {
  /** The tfjs backend in use. */
  name: BackendName;
  /** Which package provides it. */
  provider: string;
  /** Whether the optional tfjs-node packages were found. */
  nodeAvailable: { tfjsNode: boolean; tfjsNodeGpu: boolean };
  /** Why this backend was chosen. */
  reason: string;
  /**
   * Threads the backend computes with: wasm 1 (default) or the XNNPACK pool size when threads were asked
   * for and started; cpu 1; tensorflow null (libtensorflow decides).
   */
  threads: number | null;
  /** Threads asked for (option, else STRUCTPRUNE_WASM_THREADS, else 1); differs from `threads` after a fallback. */
  threadsRequested: number;
  /** webgpu only (null elsewhere): the GPU adapter, the device's limits, where Vulkan and Dawn came from. */
  webgpu: import('./backendWebgpu').WebgpuDetails | null;
  /** Host linear algebra (eigh, Cholesky, solves, host GEMMs): OpenBLAS or TypeScript; see src/linalg/blas.ts. */
  blas: BlasInfo;
}

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** Backend to use (same as initBackend's first argument); default env STRUCTPRUNE_BACKEND, else wasm. */
  backend?: BackendName;
  /**
   * wasm only: compute with this many threads (integer ≥ 1; above 8 is capped at 8). Default: env
   * STRUCTPRUNE_WASM_THREADS, else 1 (single-threaded). Fixed for the process once wasm is initialised.
   */
  threads?: number;
}

const BACKENDS: readonly BackendName[] = ['wasm', 'cpu', 'tensorflow', 'webgpu'];

function resolvable(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

let current: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

/** Parse a thread count (option or STRUCTPRUNE_WASM_THREADS); throws naming the source and the fix. */
function parseThreads(value: number | string, source: string): number {
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${source}=${JSON.stringify(value)} is not a thread count: use an integer ≥ 1 (1 = single thread)`);
  }
  return n;
}

/**
 * Replace tfjs's single-threaded wasm factory by the threaded one; returns false (after one stderr line)
 * when the threaded start fails, leaving the single-threaded factory in place.
 */
async function startWasmThreads(requested: number): Promise<boolean> {
  try {
    const threads = require('./backendThreads') as typeof import('./backendThreads');
    let n = requested;
    if (n > threads.MAX_WASM_THREADS) {
      process.stderr.write(`structprune: wasm threads capped at ${threads.MAX_WASM_THREADS} (asked for ${n})\n`);
      n = threads.MAX_WASM_THREADS;
    }
    await threads.installThreadedWasm(n);
    return true;
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 200);
    process.stderr.write(`structprune: wasm threads unavailable (${why}); using single-threaded wasm\n`);
    return false;
  }
}

async function activate(name: BackendName, reason: string, threadsRequested: number): Promise<BackendInfo> {
  const nodeAvailable = {
    tfjsNode: resolvable('@tensorflow/tfjs-node'),
    tfjsNodeGpu: resolvable('@tensorflow/tfjs-node-gpu'),
  };
  let provider: string;
  let wasmThreadsCount: (() => number) | null = null;
  if (name === 'wasm') {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    provider = '@tensorflow/tfjs-backend-wasm';
    wasmThreadsCount = wasm.getThreadsCount;
    if (threadsRequested >= 2 && (await startWasmThreads(threadsRequested))) provider += ' (threaded)';
  } else if (name === 'webgpu') {
    webgpuModule().registerWebgpu();
    provider = '@tensorflow/tfjs-backend-webgpu (Dawn)';
  } else if (name === 'cpu') {
    require('@tensorflow/tfjs-backend-cpu');
    provider = '@tensorflow/tfjs-backend-cpu';
  } else {
    provider = nodeAvailable.tfjsNodeGpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
    if (!nodeAvailable.tfjsNode && !nodeAvailable.tfjsNodeGpu) {
      throw new Error(
        'backend "tensorflow" needs @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu (optional, not installed); ' +
          'install one yourself or set STRUCTPRUNE_BACKEND=wasm',
      );
    }
    require(provider);
  }
  let ok: boolean;
  try {
    ok = await setBackendQuietly(name);
  } catch (e) {
    throw new Error(`tfjs could not initialise backend "${name}" (provider ${provider}): ${(e as Error).message}`);
  }
  if (!ok) throw new Error(`tfjs could not initialise backend "${name}" (provider ${provider})`);
  await tf.ready();
  if (tf.getBackend() !== name) throw new Error(`tfjs runs "${tf.getBackend()}" after asking for "${name}"`);
  const threads = wasmThreadsCount ? wasmThreadsCount() : name === 'cpu' ? 1 : null;
  const webgpu = name === 'webgpu' ? webgpuModule().webgpuDetails() : null;
  current = { name, provider, nodeAvailable, reason, threads, threadsRequested, webgpu, blas: blasInfo() };
  return current;
}

function webgpuModule(): typeof import('./backendWebgpu') {
  return require('./backendWebgpu') as typeof import('./backendWebgpu');
}

/**
 * tf.setBackend, but a factory that throws rejects here instead of only logging and returning false
 * (tfjs swallows the error: without this, "no adapter" would read as a bare "could not initialise").
 */
async function setBackendQuietly(name: BackendName): Promise<boolean> {
  const registered = tf.engine().registry[name];
  if (registered || name !== 'webgpu') return tf.setBackend(name);
  const factory = tf.findBackendFactory(name);
  if (!factory) return false;
  const backend = await factory();
  tf.removeBackend(name);
  tf.registerBackend(name, () => backend, 3);
  return tf.setBackend(name);
}

/**
 * Initialise the tensor backend once (idempotent). Call and await it before any tensor work;
 * every public async entry point of the library does. `opts.threads` (wasm only) is read at the first
 * wasm initialisation; asking later for a different count rejects.
 */
export function initBackend(nameOrOpts?: BackendName | InitBackendOptions, opts: InitBackendOptions = {}): Promise<BackendInfo> {
  if (typeof nameOrOpts === 'object' && nameOrOpts !== null) opts = nameOrOpts;
  const name = typeof nameOrOpts === 'string' ? nameOrOpts : opts.backend;
  if (name !== undefined && !BACKENDS.includes(name)) {
    return Promise.reject(new Error(`initBackend: backend "${String(name)}" is not one of ${BACKENDS.join('|')}`));
  }
  let threadsRequested: number;
  try {
    const envThreads = process.env.STRUCTPRUNE_WASM_THREADS;
    threadsRequested =
      opts.threads !== undefined
        ? parseThreads(opts.threads, 'initBackend({ threads })')
        : envThreads
          ? parseThreads(envThreads, 'STRUCTPRUNE_WASM_THREADS')
          : 1;
  } catch (e) {
    return Promise.reject(e);
  }
  // No backend named and one already running (e.g. webgpu chosen by the caller): keep it. Library entry
  // points call initBackend() without a name; they must not switch the caller's backend back to the default.
  if (!name && current) {
    if (opts.threads !== undefined && current.name === 'wasm' && opts.threads !== current.threadsRequested) {
      return Promise.reject(
        new Error(
          `wasm is already running with ${current.threads} thread(s) (asked for ${current.threadsRequested}); ` +
            'the thread count is fixed per process: pass { threads } to the first initBackend()',
        ),
      );
    }
    return Promise.resolve(current);
  }
  const env = process.env.STRUCTPRUNE_BACKEND;
  let wanted: BackendName;
  let reason: string;
  if (name) {
    wanted = name;
    reason = 'requested by initBackend()';
  } else if (env) {
    if (!BACKENDS.includes(env as BackendName)) {
      return Promise.reject(new Error(`STRUCTPRUNE_BACKEND="${env}" is not one of ${BACKENDS.join('|')}`));
    }
    wanted = env as BackendName;
    reason = 'STRUCTPRUNE_BACKEND';
  } else if (resolvable('@tensorflow/tfjs-node-gpu') || resolvable('@tensorflow/tfjs-node')) {
    wanted = 'tensorflow';
    reason = 'tfjs-node detected';
  } else {
    wanted = 'wasm';
    reason = 'default';
  }
  if (current && current.name === wanted) {
    if (wanted === 'wasm' && opts.threads !== undefined && opts.threads !== current.threadsRequested) {
      return Promise.reject(
        new Error(
          `wasm is already running with ${current.threads} thread(s) (asked for ${current.threadsRequested}); ` +
            'the thread count is fixed per process: pass { threads } to the first initBackend()',
        ),
      );
    }
    return Promise.resolve(current);
  }
  if (pending && !current) return pending;
  const started = activate(wanted, reason, threadsRequested);
  // a failed start leaves the previous backend (if any) in place and lets a later call try again
  pending = started.catch((e: unknown) => {
    pending = null;
    throw e;
  });
  return pending;
}

/** What backend is in use (throws before initBackend() has resolved). */
export function backendInfo(): BackendInfo {
  if (!current) throw new Error('tensor backend not initialised: await initBackend() first');
  return { ...current, blas: blasInfo() };
}

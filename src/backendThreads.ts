// Multi-threaded tfjs wasm backend in Node: a helper of src/backend.ts only (never import it elsewhere).
//
// tfjs-backend-wasm 4.22 never picks its threaded build in Node (flag WASM_HAS_MULTITHREAD_SUPPORT is false
// when IS_NODE), and its loader hands Emscripten a Blob URL for the pthread worker, which Node's
// worker_threads cannot start. The threaded Emscripten build itself supports Node, so we load it directly:
//  - pthread workers: the pool's `allocateUnusedWorker` is replaced (hooked when Emscripten stores `PThread`
//    on our config object) by one that starts tfjs's own worker script with `worker_threads` in eval mode;
//  - thread count: XNNPACK caps its pool at `emscripten_num_logical_cores() / 2` (1 on a 2-core machine);
//    our `instantiateWasm` answers that import with 2 × the requested count, so the pool gets exactly N;
//  - exit: workers are unref'd (Emscripten refs a worker while its pthread runs, and XNNPACK's threads run
//    forever, so the process would never exit); an 'exit' hook removes the backend and terminates them.
// The backend object is tfjs's own `BackendWasm`, so every wasm kernel runs unchanged.
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Most threads the threaded build can use: Emscripten pre-starts 8 pthread workers and XNNPACK caps its pool
 * at 8 (more would need a worker started while the main thread blocks, which deadlocks).
 */
export const MAX_WASM_THREADS = 8;

/** Options of {@link installThreadedWasm}. */
export interface ThreadedWasmOptions {
  /** Give up (and terminate the workers) if the module and its workers are not up after this long. Default 30000 ms. */
  timeoutMs?: number;
}

/** What {@link installThreadedWasm} set up. */
export interface ThreadedWasm {
  /** Threads XNNPACK computes with (the calling thread plus `threads − 1` pthread workers). */
  threads: number;
  /** Seconds from start to a ready backend. */
  startSeconds: number;
}

/** The parts of the threaded Emscripten module used here. */
interface ThreadedModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread: { terminateAllThreads(): void };
  tfjs?: unknown;
}

/** The parts of Emscripten's `PThread` object that are replaced. */
interface PThreadPool {
  unusedWorkers: Worker[];
  allocateUnusedWorker(): void;
}

/** The WebAssembly global, typed locally (the project's `lib` has no WebAssembly declarations). */
interface WasmGlobal {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: unknown; module: unknown }>;
}

type Instantiate = (
  info: { env: Record<string, unknown> } & Record<string, unknown>,
  receive: (instance: unknown, module: unknown) => void,
) => Record<string, never>;

const BACKEND_NAME = 'wasm';
const WASM_PRIORITY = 2; // tfjs-backend-wasm's own registration priority
const THREADED = Symbol('structprune.wasmThreads');

/**
 * Build a wasm backend computing with `threads` threads (2 … {@link MAX_WASM_THREADS}) and register it as
 * tfjs backend "wasm" in place of tfjs's single-threaded factory (call `tf.setBackend('wasm')` afterwards).
 * Needs `@tensorflow/tfjs-backend-wasm` loaded (its kernels are registered under "wasm").
 * Idempotent when the threaded backend is already installed (returns its thread count).
 * Throws if anything fails (bad count, wasm instance already initialised, worker error, timeout, wrong pool
 * size); the single-threaded registration is then left as it was and no worker is left running.
 * Registers a process 'exit' hook that removes the backend and terminates its workers.
 */
export async function installThreadedWasm(threads: number, opts: ThreadedWasmOptions = {}): Promise<ThreadedWasm> {
  if (!Number.isInteger(threads) || threads < 2 || threads > MAX_WASM_THREADS) {
    throw new Error(`wasm threads must be an integer in 2…${MAX_WASM_THREADS}, got ${threads}`);
  }
  const engine = tf.engine();
  const existing = engine.registry[BACKEND_NAME] as (BackendWasm & { [THREADED]?: number }) | undefined;
  if (existing?.[THREADED] !== undefined) return { threads: existing[THREADED], startSeconds: 0 };
  if (existing) {
    throw new Error('the single-threaded wasm backend is already initialised; ask for threads before the first initBackend()');
  }
  if (!tf.findBackendFactory(BACKEND_NAME)) throw new Error('tfjs backend "wasm" is not registered: require @tensorflow/tfjs-backend-wasm first');

  const t0 = performance.now();
  const { backend, module } = await startThreadedBackend(threads, opts.timeoutMs ?? 30_000);
  const actual = backend.wasm.tfjs.getThreadsCount();
  if (actual !== threads) {
    module.PThread.terminateAllThreads();
    throw new Error(`XNNPACK started ${actual} thread(s) instead of the ${threads} asked for`);
  }
  (backend as BackendWasm & { [THREADED]?: number })[THREADED] = actual;
  tf.removeBackend(BACKEND_NAME);
  tf.registerBackend(BACKEND_NAME, () => backend, WASM_PRIORITY);
  process.once('exit', () => {
    try {
      if (tf.engine().registry[BACKEND_NAME] === backend) tf.removeBackend(BACKEND_NAME);
    } finally {
      module.PThread.terminateAllThreads(); // idempotent: BackendWasm.dispose() may already have done it
    }
  });
  return { threads: actual, startSeconds: (performance.now() - t0) / 1000 };
}

/** Load the threaded build with Node pthread workers and wrap it in tfjs's BackendWasm. */
function startThreadedBackend(threads: number, timeoutMs: number): Promise<{ backend: BackendWasm; module: ThreadedModule }> {
  const wasmPkg = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  const factoryPath = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const dir = path.dirname(factoryPath);
  const factory = require(factoryPath) as (config: object) => Promise<ThreadedModule>;
  const { wasmWorkerContents } = require(path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  // The worker source holds "\n" escapes that the template literal it ships in has turned into real
  // newlines inside string literals; restore them, as tfjs does before making its Blob.
  const workerSource = wasmWorkerContents.replace(/\n/g, '\\n');
  const wasmPath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.wasm');
  const wasmBytes = fs.readFileSync(wasmPath);

  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    let state: 'starting' | 'ready' | 'failed' = 'starting';
    let hooked = false;
    const fail = (e: unknown): void => {
      if (state !== 'starting') return;
      state = 'failed';
      clearTimeout(timer);
      for (const w of workers) void w.terminate();
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    // Ref'd on purpose: the workers are unref'd, this keeps the process alive until they are up.
    const timer = setTimeout(() => fail(new Error(`pthread workers not ready after ${timeoutMs} ms`)), timeoutMs);

    const onWorkerError = (e: unknown): void => {
      if (state === 'starting') fail(e);
      // After a failed start the other workers fail the same way: the caller reports the first error only.
      else if (state === 'ready') process.stderr.write(`structprune: wasm pthread worker error: ${String(e).split('\n')[0]}\n`);
    };
    /** A pthread worker that never keeps the process alive and reports errors to us instead of throwing. */
    class PthreadWorker extends Worker {
      constructor() {
        super(workerSource, { eval: true });
        this.unref();
        this.on('error', onWorkerError);
        this.on('exit', (code) => {
          if (state === 'starting') fail(new Error(`pthread worker exited with code ${code} during start-up`));
        });
      }
      override ref(): void {}
      // Emscripten sets `onerror` to a handler that rethrows; the 'error' listener above handles errors.
      get onerror(): (e: unknown) => void {
        return () => {};
      }
      set onerror(_h: (e: unknown) => void) {}
    }

    const instantiateWasm: Instantiate = (info, receive) => {
      // XNNPACK's pool size is min(requested, logical cores / 2, 8): report enough cores for `threads`.
      const imports = { ...info, env: { ...info.env, emscripten_num_logical_cores: () => 2 * threads } };
      const wasmApi = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;
      wasmApi.instantiate(wasmBytes, imports).then((r) => receive(r.instance, r.module), fail);
      return {};
    };
    const config: Record<string, unknown> = {
      mainScriptUrlOrBlob: factoryPath, // what each worker evaluates (a path, not tfjs's Blob)
      instantiateWasm,
      locateFile: (p: string) => {
        if (p.endsWith('.wasm')) return wasmPath; // named only: instantiateWasm supplies the bytes
        throw new Error(`threaded wasm asked for an unexpected file "${p}"`);
      },
    };
    let pthread: PThreadPool | undefined;
    Object.defineProperty(config, 'PThread', {
      enumerable: true,
      configurable: true,
      get: () => pthread,
      set: (p: PThreadPool | undefined) => {
        pthread = p;
        if (!p) return; // Emscripten first copies the (empty) overrides back
        hooked = true;
        p.allocateUnusedWorker = () => {
          const w = new PthreadWorker();
          workers.push(w);
          p.unusedWorkers.push(w);
        };
      },
    });

    let ready: Promise<ThreadedModule>;
    // Emscripten's Node prologue sets `global.Worker`; our pool never uses it, so leave the global as it was.
    const globalWorker = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
    try {
      ready = factory(config);
      if (!hooked) throw new Error('Emscripten PThread pool not found (unexpected tfjs-backend-wasm build)');
    } catch (e) {
      fail(e);
      return;
    } finally {
      if (globalWorker) Object.defineProperty(globalThis, 'Worker', globalWorker);
      else delete (globalThis as { Worker?: unknown }).Worker;
    }
    ready.then((module) => {
      if (state !== 'starting') return module.PThread.terminateAllThreads();
      try {
        const cw = (name: string, ret: string | null, args: string[]) => module.cwrap(name, ret, args);
        module.tfjs = {
          init: cw('init', null, []),
          initWithThreadsCount: cw('init_with_threads_count', null, ['number']),
          getThreadsCount: cw('get_threads_count', 'number', []),
          registerTensor: cw('register_tensor', null, ['number', 'number', 'number']),
          disposeData: cw('dispose_data', null, ['number']),
          dispose: cw('dispose', null, []),
        };
        // BackendWasm's constructor reads this package-wide setting; restore tfjs's default right after.
        wasmPkg.setThreadsCount(threads);
        let backend: BackendWasm;
        try {
          backend = new wasmPkg.BackendWasm(module as unknown as BackendWasm['wasm']);
        } finally {
          wasmPkg.setThreadsCount(-1);
        }
        state = 'ready';
        clearTimeout(timer);
        resolve({ backend, module });
      } catch (e) {
        fail(e);
        module.PThread.terminateAllThreads();
      }
    }, fail);
  });
}

// The tensor backend in the browser: what src/backend.ts is in Node. The page's bundle (src/web/build.ts)
// resolves every library import of src/backend.ts to this file, so the library runs unchanged.
// Backend: tfjs-backend-wasm, single-threaded (as the CLI's default, so that masks and perplexities match
// it), with the .wasm files fetched from the page's own server (`wasmPath`, default '/wasm/'). tfjs picks
// the SIMD build when the browser has wasm SIMD and the plain one otherwise; `browserFeatures()` tells
// the page which, so it can say so.
// Responsiveness: the library reads tensors to the host with `await t.data()` (src/util/read.ts); here every
// such read also yields one macrotask to the page (`yieldOnRead`, default on), so the page repaints and
// takes input between reads — inside collectStats, the ADMM, perplexity and generation alike — instead of
// only between the page's own steps. Values are unchanged.
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf };

export type BackendName = 'wasm';

export interface BackendInfo {
  name: BackendName;
  provider: string;
  nodeAvailable: { tfjsNode: boolean; tfjsNodeGpu: boolean };
  reason: string;
  threads: number | null;
  threadsRequested: number;
  /** Whether the SIMD build of the wasm backend runs (false: the slower plain build). */
  simd: boolean;
}

/** What this browser offers. */
export interface BrowserFeatures {
  wasm: boolean;
  /** Fixed-width wasm SIMD (tfjs's fast build). */
  simd: boolean;
  /** `navigator.gpu` exists (WebGPU); the page does not use it yet, it only says so. */
  webgpu: boolean;
}

// The smallest module that uses a v128 instruction (i32x4.splat of 0 + drop): validates only with SIMD.
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11]);

export function browserFeatures(): BrowserFeatures {
  const W = (globalThis as { WebAssembly?: { validate?: (b: Uint8Array) => boolean } }).WebAssembly;
  const wasm = typeof W === 'object' && typeof W.validate === 'function';
  let simd: boolean;
  try {
    simd = wasm && W!.validate!(SIMD_PROBE);
  } catch {
    simd = false;
  }
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  return { wasm, simd, webgpu: !!nav && nav.gpu !== undefined };
}

let wasmPath = '/wasm/';
let yieldOnRead = true;
let current: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

/** Where the .wasm files are served (call before the first initBackend; default '/wasm/'). */
export function configureBrowserBackend(opts: { wasmPath?: string; yieldOnRead?: boolean }): void {
  if (pending) throw new Error('configureBrowserBackend: the backend is already initialised; configure it first');
  if (opts.wasmPath !== undefined) wasmPath = opts.wasmPath;
  if (opts.yieldOnRead !== undefined) yieldOnRead = opts.yieldOnRead;
}

/** One macrotask (MessageChannel: no 4 ms timer clamping), so rendering and input run. */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.addEventListener('message', () => {
      ch.port1.close();
      resolve();
    });
    ch.port1.start();
    ch.port2.postMessage(null);
  });
}

let readsYield = false;
function installReadYield(): void {
  if (readsYield || typeof MessageChannel !== 'function') return;
  readsYield = true;
  const proto = tf.Tensor.prototype as unknown as { data(this: tf.Tensor): Promise<unknown> };
  const original = proto.data;
  proto.data = async function (this: tf.Tensor) {
    const values = await original.call(this);
    await nextMacrotask();
    return values;
  };
}

async function activate(): Promise<BackendInfo> {
  const features = browserFeatures();
  if (!features.wasm) throw new Error('this browser has no WebAssembly: the page needs it (any current Chrome, Firefox, Safari or Edge has it)');
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // single thread, as the CLI default (identical results)
  setWasmPaths(wasmPath);
  if (!(await tf.setBackend('wasm'))) throw new Error(`tfjs could not start the wasm backend (files from ${wasmPath})`);
  await tf.ready();
  if (yieldOnRead) installReadYield();
  current = {
    name: 'wasm',
    provider: `@tensorflow/tfjs-backend-wasm (browser, ${features.simd ? 'SIMD' : 'no SIMD'})`,
    nodeAvailable: { tfjsNode: false, tfjsNodeGpu: false },
    reason: 'browser',
    threads: 1,
    threadsRequested: 1,
    simd: features.simd,
  };
  return current;
}

/** Initialise the wasm backend once (idempotent); the library's entry points await it. */
export function initBackend(): Promise<BackendInfo> {
  if (current) return Promise.resolve(current);
  if (!pending) pending = activate();
  return pending;
}

export function backendInfo(): BackendInfo {
  if (!current) throw new Error('tensor backend not initialised: await initBackend() first');
  return current;
}

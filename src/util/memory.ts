// The memory meter (METHOD.md §7): peak bytes of live backend tensors during a call, by the backend's own
// accounting (`tf.memory().numBytes`), the wasm heap when on wasm, and the process maxRSS. Usable around any
// function, sync or async, nested or overlapping.
//
// How the peak is seen: tfjs adds a tensor's bytes to `numBytes` only in `engine.trackTensor` (every new
// tensor — uploads, kernel outputs, views, variables — goes through it) and only ever subtracts elsewhere, so
// the maximum of `numBytes` right after each `trackTensor` is the exact peak. While at least one meter is
// running, the engine instance gets an own `trackTensor` that calls the prototype's and then raises the peaks
// of the running meters; the last meter to stop deletes it again. The set of running meters lives on the
// engine object itself (under a global symbol), not in this module.
// Why not `tf.profile(fn).peakBytes`: it samples only after kernels (not uploads), keeps one record per
// kernel call (10⁵+ in a pruning run, and its `Math.max(...records)` overflows the stack past ~10⁵), and puts
// every kernel through the profiler. Its number agrees with this one where both apply (test/util/memory.test.ts).
//
// Accounting notes: like tf.memory(), `numBytes` counts every live tensor object, so a view sharing its
// buffer (reshape, clone) counts again; tensors alive before the call count too (`startBytes` says how many).
import { tf } from '../backend';

/** What one metered call used. Bytes throughout. */
export interface MemoryUsage {
  /** Backend in use at the end of the call (null if none was initialised). */
  backend: string | null;
  /** Peak of `tf.memory().numBytes` during the call, including tensors alive before it. */
  peakBytes: number;
  /** `numBytes` when the meter started (tensors alive before the call). */
  startBytes: number;
  /** `numBytes` when the meter stopped. */
  endBytes: number;
  /** Size of the wasm heap when the meter stopped (it only grows, so this is its peak so far); null off wasm. */
  wasmHeapBytes: number | null;
  /** The process's resident-set high-water mark (`process.resourceUsage().maxRSS`, KiB → bytes): since process start, not per call. */
  maxRssBytes: number;
}

/** A running meter: `read()` any time, `stop()` once (later reads return the stopped values). */
export interface MemoryMeter {
  read(): MemoryUsage;
  stop(): MemoryUsage;
}

interface PeakCell {
  peak: number;
}

type TrackTensor = (this: EngineLike, a: unknown, backend: unknown) => void;

interface EngineLike {
  state: { numBytes: number };
  backendName: string | null;
  trackTensor: TrackTensor;
  [HOOK]?: Set<PeakCell>;
}

const HOOK = Symbol.for('structprune-ts.memoryMeters');

function engine(): EngineLike {
  return tf.engine() as unknown as EngineLike;
}

function attach(cell: PeakCell): void {
  const eng = engine();
  let cells = eng[HOOK];
  if (!cells) {
    const running = new Set<PeakCell>();
    const original = Object.getPrototypeOf(eng).trackTensor as TrackTensor;
    if (typeof original !== 'function') throw new Error('memory meter: this tfjs engine has no trackTensor; the meter needs @tensorflow/tfjs-core 4.x');
    eng.trackTensor = function (this: EngineLike, a: unknown, backend: unknown): void {
      original.call(this, a, backend);
      const n = this.state.numBytes;
      for (const c of running) if (n > c.peak) c.peak = n;
    };
    eng[HOOK] = running;
    cells = running;
  }
  cells.add(cell);
}

function detach(cell: PeakCell): void {
  const eng = engine();
  const cells = eng[HOOK];
  if (!cells) return;
  cells.delete(cell);
  if (cells.size === 0) {
    delete (eng as Partial<EngineLike>).trackTensor; // the prototype's method shows through again
    delete eng[HOOK];
  }
}

/** Size of the wasm heap in bytes (null when the backend is not wasm or not initialised). */
export function wasmHeapBytes(): number | null {
  const eng = engine();
  if (eng.backendName !== 'wasm') return null;
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.buffer.byteLength ?? null;
}

/** The process's maxRSS in bytes (Linux and macOS report KiB). */
export function maxRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/** Start metering now; the peak counts every tensor created until `stop()`. */
export function startMemoryMeter(): MemoryMeter {
  const eng = engine();
  const startBytes = eng.state.numBytes;
  const cell: PeakCell = { peak: startBytes };
  let stopped: MemoryUsage | null = null;
  attach(cell);
  const read = (): MemoryUsage => {
    if (stopped) return stopped;
    const endBytes = eng.state.numBytes;
    return {
      backend: eng.backendName ?? null,
      peakBytes: Math.max(cell.peak, endBytes),
      startBytes,
      endBytes,
      wasmHeapBytes: wasmHeapBytes(),
      maxRssBytes: maxRssBytes(),
    };
  };
  return {
    read,
    stop() {
      if (stopped) return stopped;
      const r = read();
      detach(cell);
      stopped = r;
      return r;
    },
  };
}

/**
 * Run `fn` (sync or async) under a memory meter; returns its result and what it used. The meter stops even
 * when `fn` throws (the error propagates). Example: `const { result, memory } = await measureMemory(() => prune(m, o))`.
 */
export async function measureMemory<T>(fn: () => T | Promise<T>): Promise<{ result: T; memory: MemoryUsage }> {
  const meter = startMemoryMeter();
  try {
    const result = await fn();
    return { result, memory: meter.stop() };
  } finally {
    meter.stop();
  }
}

/** Synchronous twin of {@link measureMemory} (for code that must not await, e.g. inside a notebook cell's tidy). */
export function measureMemorySync<T>(fn: () => T): { result: T; memory: MemoryUsage } {
  const meter = startMemoryMeter();
  try {
    const result = fn();
    return { result, memory: meter.stop() };
  } finally {
    meter.stop();
  }
}

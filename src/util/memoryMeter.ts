// The memory meter (METHOD.md §7): peak bytes of live backend tensors during a call, by the backend's own
// accounting (`tf.memory().numBytes`), the wasm heap when on wasm, and the process maxRSS. Usable around any
// function, sync or async, nested or overlapping.
//
// How the peak is seen: tfjs adds a tensor's bytes to `numBytes` only in `engine.trackTensor` (every new
// tensor — uploads, kernel outputs, views, variables — goes through it) and only ever subtracts elsewhere, so
// the maximum of `numBytes` right after each `trackTensor` is the exact peak. While at least one meter is
// running, the engine instance gets an own `trackTensor` that calls the one it replaces and then raises the
// peaks of the running meters; the last meter to stop puts the replaced one back. The set of running meters
// lives on the engine object itself (under a global symbol), not in this module.
// Two numbers, two accountings. `numBytes` counts every live tensor object, so a view sharing its buffer
// (reshape; on the cpu backend also clone, hence the copies tfjs's tape keeps of every gradient input) counts
// again; on wasm a clone is a real copy. The meter also follows distinct backend buffers (one per dataId: what the device really holds):
// +bytes when `trackTensor` registers a new dataId, −bytes when `removeDataId` drops one it saw created.
// tfjs keeps its buffer table in a WeakMap, so buffers older than the outermost running meter cannot be
// listed: the buffer number is the peak GROWTH above the start (`peakNewBufferBytes`).
// Why not `tf.profile(fn).peakBytes`: it samples only after kernels (not uploads), keeps one record per
// kernel call (10⁵+ in a pruning run, and its `Math.max(...records)` overflows the stack past ~10⁵), and puts
// every kernel through the profiler. Its number agrees with this one where both apply (test/util/memory.test.ts).
// `peakBytes` counts tensors alive before the call too (`startBytes` says how many).
// On webgpu the meter also reads the backend's own GPU accounting, its buffer manager: `numBytesUsed` (bytes of
// GPU buffers in use: tensors, staging and uniform buffers, those awaiting release after the queue's submit)
// and `numBytesAllocated` (also the freed buffers it keeps pooled for reuse). Both change only when a buffer is
// acquired or released, so their maxima right after each `acquireBuffer` are the exact peaks (`gpu` below).
import { tf } from '../backend';

/** What one metered call used. Bytes throughout. */
export interface MemoryUsage {
  /** Backend in use at the end of the call (null if none was initialised). */
  backend: string | null;
  /** Peak of `tf.memory().numBytes` during the call (tfjs accounting: views and saved clones count again), including tensors alive before it. */
  peakBytes: number;
  /**
   * Peak growth of distinct live backend buffers (one per dataId: what the device holds) above the start of the
   * call. Buffers that existed before the outermost running meter started are not seen (freeing them makes no room).
   */
  peakNewBufferBytes: number;
  /** `numBytes` when the meter started (tensors alive before the call). */
  startBytes: number;
  /** `numBytes` when the meter stopped. */
  endBytes: number;
  /** Size of the wasm heap when the meter stopped (it only grows, so this is its peak so far); null off wasm. */
  wasmHeapBytes: number | null;
  /**
   * webgpu only (null elsewhere): peaks of the backend's GPU accounting during the call, including buffers
   * alive before it: `peakBytes` of buffers in use, `peakAllocatedBytes` including its pool of freed ones,
   * `startBytes` in use at the start.
   */
  gpu: { peakBytes: number; peakAllocatedBytes: number; startBytes: number } | null;
  /** The process's resident-set high-water mark (`process.resourceUsage().maxRSS`, KiB → bytes): since process start, not per call. */
  maxRssBytes: number;
}

/** A running meter: `read()` any time, `stop()` once (later reads return the stopped values). */
export interface MemoryMeter {
  read(): MemoryUsage;
  stop(): MemoryUsage;
}

interface PeakCell {
  /** Peak of numBytes. */
  peak: number;
  /** `HookRecord.bufferBytes` when the meter started, and its peak since. */
  bufferBase: number;
  peakBuffers: number;
  /** GPU buffer-manager peaks (webgpu). */
  gpuUsed: number;
  gpuAllocated: number;
}

/** The hook's shared record, kept on the engine while meters run. */
interface HookRecord {
  running: Set<PeakCell>;
  /** Bytes of the buffers created since the hook was installed and still live. */
  bufferBytes: number;
  /** Those buffers: dataId → bytes. */
  sizes: Map<object, number>;
  /** Restores the engine methods the hook replaced. */
  restore: () => void;
}

/** The webgpu backend's buffer manager (tfjs-backend-webgpu 4.x BufferManager). */
interface GpuBufferManager {
  numBytesUsed: number;
  numBytesAllocated: number;
  acquireBuffer: (...args: unknown[]) => unknown;
  [GPU_HOOK]?: Set<PeakCell>;
}

const GPU_HOOK = Symbol.for('structprune-ts.gpuMemoryMeters');

/** The buffer manager when the backend in use is webgpu, else null. */
function gpuBufferManager(): GpuBufferManager | null {
  if (engine().backendName !== 'webgpu') return null;
  const m = (tf.backend() as unknown as { bufferManager?: GpuBufferManager }).bufferManager;
  return m && typeof m.acquireBuffer === 'function' && typeof m.numBytesUsed === 'number' ? m : null;
}

/** Follow the buffer manager's peaks for `cell` (no-op off webgpu); returns the detach function. */
function attachGpu(cell: PeakCell): () => void {
  const m = gpuBufferManager();
  if (!m) return () => {};
  cell.gpuUsed = m.numBytesUsed;
  cell.gpuAllocated = m.numBytesAllocated;
  let cells = m[GPU_HOOK];
  if (!cells) {
    const set = new Set<PeakCell>();
    cells = set;
    const own = Object.getOwnPropertyDescriptor(m, 'acquireBuffer');
    const acquire = m.acquireBuffer;
    m.acquireBuffer = function (this: GpuBufferManager, ...args: unknown[]): unknown {
      const r = acquire.apply(this, args);
      for (const c of set) {
        if (this.numBytesUsed > c.gpuUsed) c.gpuUsed = this.numBytesUsed;
        if (this.numBytesAllocated > c.gpuAllocated) c.gpuAllocated = this.numBytesAllocated;
      }
      return r;
    };
    m[GPU_HOOK] = set;
    Object.defineProperty(set, 'restore', {
      value: () => {
        if (own) Object.defineProperty(m, 'acquireBuffer', own);
        else delete (m as Partial<GpuBufferManager>).acquireBuffer;
        delete m[GPU_HOOK];
      },
    });
  }
  cells.add(cell);
  const set = cells;
  return () => {
    set.delete(cell);
    if (set.size === 0) (set as unknown as { restore: () => void }).restore();
  };
}

interface TensorLike {
  dataId: object;
}

type TrackTensor = (this: EngineLike, a: TensorLike, backend: unknown) => void;
type RemoveDataId = (this: EngineLike, dataId: object, backend: unknown) => void;

interface EngineLike {
  state: { numBytes: number; tensorInfo: WeakMap<object, { bytes: number; backend: unknown }> };
  backendName: string | null;
  trackTensor: TrackTensor;
  removeDataId: RemoveDataId;
  [HOOK]?: HookRecord;
}

const HOOK = Symbol.for('structprune-ts.memoryMeters');

function engine(): EngineLike {
  return tf.engine() as unknown as EngineLike;
}

function attach(cell: PeakCell): HookRecord {
  const eng = engine();
  let rec = eng[HOOK];
  if (!rec) {
    const track = eng.trackTensor;
    const remove = eng.removeDataId;
    if (typeof track !== 'function' || typeof remove !== 'function' || typeof eng.state?.tensorInfo?.has !== 'function') {
      throw new Error('memory meter: this tfjs engine lacks trackTensor/removeDataId/state.tensorInfo; the meter needs @tensorflow/tfjs-core 4.x');
    }
    // whatever was there (the prototype's methods, or another tool's own wrappers) comes back on restore
    const own = { track: Object.getOwnPropertyDescriptor(eng, 'trackTensor'), remove: Object.getOwnPropertyDescriptor(eng, 'removeDataId') };
    const restore = () => {
      for (const [key, desc] of [
        ['trackTensor', own.track],
        ['removeDataId', own.remove],
      ] as const) {
        if (desc) Object.defineProperty(eng, key, desc);
        else delete (eng as Partial<EngineLike>)[key];
      }
    };
    const r: HookRecord = { running: new Set(), bufferBytes: 0, sizes: new Map(), restore };
    eng.trackTensor = function (this: EngineLike, a: TensorLike, backend: unknown): void {
      const fresh = !this.state.tensorInfo.has(a.dataId);
      track.call(this, a, backend);
      if (fresh) {
        const bytes = this.state.tensorInfo.get(a.dataId)?.bytes ?? 0;
        r.sizes.set(a.dataId, bytes);
        r.bufferBytes += bytes;
      }
      const n = this.state.numBytes;
      for (const c of r.running) {
        if (n > c.peak) c.peak = n;
        if (r.bufferBytes > c.peakBuffers) c.peakBuffers = r.bufferBytes;
      }
    };
    eng.removeDataId = function (this: EngineLike, dataId: object, backend: unknown): void {
      remove.call(this, dataId, backend);
      const bytes = r.sizes.get(dataId);
      if (bytes !== undefined && !this.state.tensorInfo.has(dataId)) {
        r.sizes.delete(dataId);
        r.bufferBytes -= bytes;
      }
    };
    eng[HOOK] = r;
    rec = r;
  }
  cell.bufferBase = cell.peakBuffers = rec.bufferBytes;
  rec.running.add(cell);
  return rec;
}

function detach(cell: PeakCell): void {
  const eng = engine();
  const rec = eng[HOOK];
  if (!rec) return;
  rec.running.delete(cell);
  if (rec.running.size === 0) {
    rec.restore();
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
  const cell: PeakCell = { peak: startBytes, bufferBase: 0, peakBuffers: 0, gpuUsed: 0, gpuAllocated: 0 };
  let stopped: MemoryUsage | null = null;
  const rec = attach(cell);
  const gpuManager = gpuBufferManager();
  const gpuStart = gpuManager ? gpuManager.numBytesUsed : 0;
  const detachGpu = attachGpu(cell);
  const read = (): MemoryUsage => {
    if (stopped) return stopped;
    const endBytes = eng.state.numBytes;
    return {
      backend: eng.backendName ?? null,
      peakBytes: Math.max(cell.peak, endBytes),
      peakNewBufferBytes: Math.max(cell.peakBuffers, rec.bufferBytes) - cell.bufferBase,
      startBytes,
      endBytes,
      wasmHeapBytes: wasmHeapBytes(),
      gpu: gpuManager
        ? {
            peakBytes: Math.max(cell.gpuUsed, gpuManager.numBytesUsed),
            peakAllocatedBytes: Math.max(cell.gpuAllocated, gpuManager.numBytesAllocated),
            startBytes: gpuStart,
          }
        : null,
      maxRssBytes: maxRssBytes(),
    };
  };
  return {
    read,
    stop() {
      if (stopped) return stopped;
      const r = read();
      detach(cell);
      detachGpu();
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

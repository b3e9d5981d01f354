// x[T, in] @ W[in, out] through OpenBLAS sgemm for the CPU backends (wasm, cpu), as a tfjs kernel that works on
// the backend's memory in place (wasm: views of the wasm heap, no copy). tfjs-wasm's matMul runs at ≈ 13–21
// GFLOP/s on one thread; OpenBLAS at 80–220 on this 2-core machine (STACK.md), which is what makes an
// OPT-125M-sized calibration pass fit in minutes. Used by blocks.ts `linear` when OpenBLAS is active
// (src/linalg/blas.ts: STRUCTPRUNE_BLAS / setBlas) and the tfjs backend is wasm or cpu; other backends and
// STRUCTPRUNE_BLAS=ts keep tfjs matMul. Same product, float32, different summation order (≈ 1e-7 relative).
import { tf } from '../backend';
import { lapack } from '../linalg/blas';

const KERNEL = 'StructpruneBlasMatMul';

/** True when `linear` should call {@link blasMatMul} on the current backend. */
export function useBlasMatMul(): boolean {
  const b = tf.getBackend();
  return (b === 'wasm' || b === 'cpu') && lapack() !== null;
}

interface TensorInfoLike {
  dataId: object;
  shape: number[];
  dtype: string;
}

function gemm(a: Float32Array, b: Float32Array, out: Float32Array, m: number, k: number, n: number): void {
  const la = lapack();
  if (!la) throw new Error('blasMatMul: OpenBLAS is not active (setBlas / STRUCTPRUNE_BLAS); use tf.matMul');
  la.sgemm(false, false, m, n, k, 1, a, b, 0, out);
}

let registered = false;
function register(): void {
  if (registered) return;
  registered = true;
  // ∂(a b) = (dy bᵀ, aᵀ dy), as tfjs's own BatchMatMul gradient (Taylor importance differentiates the forward)
  tf.registerGradient({
    kernelName: KERNEL,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as tf.Tensor2D[];
      const g = dy as tf.Tensor2D;
      return { a: () => tf.matMul(g, b, false, true), b: () => tf.matMul(a, g, true, false) };
    },
  });
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const bk = backend as unknown as { makeOutput(shape: number[], dtype: string): TensorInfoLike; typedArrayFromHeap(t: TensorInfoLike): Float32Array };
      const { a, b } = inputs as unknown as Record<'a' | 'b', TensorInfoLike>;
      const [m, k] = a.shape;
      const n = b.shape[1];
      const out = bk.makeOutput([m, n], 'float32'); // may grow the heap: take the views after it
      gemm(bk.typedArrayFromHeap(a), bk.typedArrayFromHeap(b), bk.typedArrayFromHeap(out), m, k, n);
      return out as never;
    },
  });
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend }) => {
      const bk = backend as unknown as {
        data: { get(id: object): { values: Float32Array } };
        makeTensorInfo(shape: number[], dtype: string, values: Float32Array): TensorInfoLike;
      };
      const { a, b } = inputs as unknown as Record<'a' | 'b', TensorInfoLike>;
      const [m, k] = a.shape;
      const n = b.shape[1];
      const out = new Float32Array(m * n);
      gemm(bk.data.get(a.dataId).values, bk.data.get(b.dataId).values, out, m, k, n);
      return bk.makeTensorInfo([m, n], 'float32', out) as never;
    },
  });
}

/** a[m, k] @ b[k, n] (float32, 2-D, no transposes) by OpenBLAS sgemm on the wasm or cpu backend. */
export function blasMatMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const be = tf.getBackend();
  if (be !== 'wasm' && be !== 'cpu') throw new Error(`blasMatMul runs on the wasm and cpu backends, not "${be}"; use tf.matMul`);
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[0]) throw new RangeError(`blasMatMul: shapes [${a.shape}] @ [${b.shape}] do not multiply`);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new TypeError('blasMatMul: a and b must be float32');
  register();
  return tf.engine().runKernel(KERNEL, { a, b } as never, {} as never) as tf.Tensor2D;
}

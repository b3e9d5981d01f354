// Host reads, one helper for the pattern "tidy → read → dispose" that every host-side result follows.
// `readSync` blocks and works only where the backend can read synchronously (wasm, cpu, tensorflow);
// `read` awaits the data and works on every backend (webgpu included).
import { tf } from '../backend';

type HostArray = Float32Array | Int32Array | Uint8Array;

/** Throws, naming the fix, when the backend in use cannot read tensors synchronously (webgpu in Node). */
export function assertSyncReadable(what = 'readSync'): void {
  const name = tf.getBackend();
  if (name === 'webgpu') {
    throw new Error(
      `${what}: the "${name}" backend cannot read tensors synchronously in Node (tfjs's dataSync needs an ` +
        'OffscreenCanvas there); use the async `read()` / `await t.data()`, or the wasm backend',
    );
  }
}

/** Evaluate `fn` inside a tf.tidy, copy its result to the host, release it. Synchronous backends only (throws on webgpu). */
export function readSync(fn: () => tf.Tensor): Float32Array {
  assertSyncReadable();
  const t = tf.tidy(fn);
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

/** `readSync` for a scalar result. */
export function readScalarSync(fn: () => tf.Tensor): number {
  return readSync(fn)[0];
}

/** Evaluate `fn` inside a tf.tidy, await its data on the host, release it. Works on every backend. */
export async function read(fn: () => tf.Tensor): Promise<HostArray> {
  const t = tf.tidy(fn);
  try {
    return (await t.data()) as HostArray;
  } finally {
    t.dispose();
  }
}

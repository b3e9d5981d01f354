// OpenBLAS sgemm as a tfjs kernel (linear layers on wasm/cpu) against tf.matMul.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '@tensorflow/tfjs-core/dist/register_all_gradients'; // tfjs-core registers no gradient kernels by itself
import { tf, initBackend } from '../../src/backend';
import { blasInfo, setBlas } from '../../src/linalg/blas';
import { blasMatMul, useBlasMatMul } from '../../src/model/linearBlas';
import { linear } from '../../src/model/blocks';
import { noLeaks, maxAbsDiff } from '../helpers';

const initial = blasInfo().mode;

test('blasMatMul equals tf.matMul; linear() uses it only while OpenBLAS is active', async () => {
  await initBackend();
  let hasBlas = true;
  try {
    setBlas('openblas');
  } catch {
    hasBlas = false;
  }
  try {
    if (hasBlas) {
      assert.equal(useBlasMatMul(), true);
      for (const [m, k, n] of [
        [1, 1, 1],
        [7, 33, 5],
        [130, 64, 172],
      ]) {
        const a = tf.randomNormal([m, k], 0, 1, 'float32', m) as tf.Tensor2D;
        const b = tf.randomNormal([k, n], 0, 1, 'float32', n) as tf.Tensor2D;
        const ref = tf.matMul(a, b);
        const got = await noLeaks(() => {
          const c = blasMatMul(a, b);
          const v = c.dataSync().slice();
          assert.deepEqual(c.shape, [m, n]);
          c.dispose();
          return v;
        });
        assert.ok(maxAbsDiff(got, ref.dataSync()) < 1e-4, `${m}×${k}×${n}`);
        const bias = tf.ones([n]);
        const lin = linear(a, b, bias);
        assert.ok(maxAbsDiff(lin.dataSync(), tf.tidy(() => tf.add(ref, 1)).dataSync()) < 1e-4);
        tf.dispose([a, b, ref, bias, lin]);
      }
      // gradient registered: same as tf.matMul's
      const [ga, gb] = [tf.randomNormal([5, 4], 0, 1, 'float32', 8) as tf.Tensor2D, tf.randomNormal([4, 3], 0, 1, 'float32', 9) as tf.Tensor2D];
      const w = tf.randomNormal([5, 3], 0, 1, 'float32', 10);
      const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(blasMatMul(x as tf.Tensor2D, y as tf.Tensor2D), w)))([ga, gb]);
      const ref = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D), w)))([ga, gb]);
      for (let i = 0; i < 2; i++) assert.ok(maxAbsDiff(ours[i].dataSync(), ref[i].dataSync()) < 1e-5, `gradient ${i}`);
      tf.dispose([ga, gb, w, ...ours, ...ref]);
      const a = tf.zeros([2, 3]) as tf.Tensor2D;
      assert.throws(() => blasMatMul(a, a), /shapes \[2,3\] @ \[2,3\] do not multiply/);
      a.dispose();
    }
    setBlas('ts');
    assert.equal(useBlasMatMul(), false);
  } finally {
    setBlas(initial);
  }
});

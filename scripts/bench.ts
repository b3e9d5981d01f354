// `npm run bench`: speed numbers on the current backend (printed, never asserted). Each line is one
// measurement; `--json` prints one JSON object at the end. Times vary ±30 % on shared machines.
import { read } from '../src/util/read';
import * as os from 'os';
import { tf, initBackend, backendInfo } from '../src/backend';
import { loadModel } from '../src/model/load';
import { toDevice } from '../src/model/device';
import { forward } from '../src/model/forward';
import { evaluate } from '../src/eval/evaluate';
import { buildAdmmModule } from '../src/prune/admm/problem';
import { pStep } from '../src/prune/admm/step';
import { createRng } from '../src/util/rng';
import { benchLinalg } from './bench-linalg';

const results: Record<string, number> = {};
function report(key: string, value: number, unit: string, note = ''): void {
  results[key] = value;
  if (!process.argv.includes('--json')) console.log(`${key.padEnd(34)} ${value.toFixed(value < 10 ? 3 : 1).padStart(10)} ${unit}${note ? '  ' + note : ''}`);
}

async function time(fn: () => void | Promise<void>, reps: number): Promise<number> {
  await fn(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  return (performance.now() - t0) / reps / 1000;
}

async function gemm(m: number, k: number, n: number): Promise<number> {
  const a = tf.randomNormal([m, k]) as tf.Tensor2D;
  const b = tf.randomNormal([k, n]) as tf.Tensor2D;
  const s = await time(async () => void (await read(() => tf.matMul(a, b))), 3);
  tf.dispose([a, b]);
  return (2 * m * k * n) / s / 1e9;
}

async function randomModule(n: number, d: number, seed: number) {
  const rng = createRng(seed);
  const T = n + 64;
  // H = AᵀA from random activations on the device (fast path: explicit transpose)
  const H64 = Float64Array.from(
    await read(() => {
      const A = tf.randomNormal([T, n], 0, 1, 'float32', seed);
      return tf.matMul(tf.transpose(A), A);
    }),
  );
  const W0 = Float32Array.from({ length: n * d }, () => rng.normal());
  return { H: H64, W0 };
}

async function main(): Promise<void> {
  await initBackend();
  const info = backendInfo();
  if (!process.argv.includes('--json')) console.log(`backend ${info.name} (${info.provider}), ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
  report('gemm_1024^3_gflops', await gemm(1024, 1024, 1024), 'GFLOP/s');
  report('gemm_768x3072x2048_gflops', await gemm(768, 3072, 2048), 'GFLOP/s', '(m×k×n)');

  const loaded = await loadModel('stories260K');
  const dm = toDevice(loaded.model);
  const ids = Array.from({ length: 512 }, (_, i) => (i * 37 + 11) % 512);
  const s = await time(async () => void (await read(() => forward(loaded.model.config, dm.weights, ids).logits)), 8);
  dm.dispose();
  report('stories260K_forward_tokens_per_s', 512 / s, 'tokens/s', '(512-token windows)');
  const ev = await evaluate(loaded, 'tinystories-val');
  report('tinystories_val_ppl_seconds', ev.seconds, 's', `(ppl ${ev.ppl.toFixed(4)}, ${ev.windows} windows, ${ev.tokens} tokens)`);

  // Host linear algebra: Cholesky 768/2048, eigendecomposition of 1024 and 3072 Gram matrices.
  const la = await benchLinalg((line) => !process.argv.includes('--json') && console.log(`  ${line}`));
  for (const [k, v] of Object.entries(la)) results[`linalg_${k}_ms`] = v;

  // One ADMM iteration on an OPT-125M-shaped FFN module (d 768, d_ff 3072): setup (scaling + eigh + G) and a P-step.
  const n = 3072;
  const d = 768;
  const { H, W0 } = await randomModule(n, d, 1);
  let tr = 0;
  for (let i = 0; i < n; i++) tr += H[i * n + i];
  const t1 = performance.now();
  const m = await buildAdmmModule({
    spec: { id: 'bench.ffn', layer: 0, kind: 'ffn', units: Array.from({ length: n }, (_, i) => i), width: 1, unitCost: 2 * d + 1, kvCost: 0, downKey: 'x' },
    n, d, H, W0, outputEnergy: 1, weight: 1, delta: 0.01 * (tr / n),
  });
  report('admm_setup_opt125m_ffn_seconds', (performance.now() - t1) / 1000, 's', '(scaling, eigh of the 3072 Gram, G = 2H̃W̃⁰)');
  const Z = m.W0.slice();
  const U = new Float32Array(n * d);
  report('admm_pstep_opt125m_ffn_seconds', await time(async () => void (await pStep(m, Z, U, 0.2)), 3), 's', '(two 3072×3072×768 matMuls + transfers)');
  if (process.argv.includes('--json')) console.log(JSON.stringify({ backend: info.name, date: new Date().toISOString(), ...results }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

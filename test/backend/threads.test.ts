// Opt-in wasm threads (src/backendThreads.ts via src/backend.ts). The backend is process-wide, so the
// threaded runs happen in child processes: this same file, started with STRUCTPRUNE_THREADS_TEST_CHILD=1,
// runs the workload once and prints one JSON line. The parent computes the single-threaded reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'child_process';
import { tf, initBackend, BackendInfo } from '../../src/backend';

const CHILD_FLAG = 'STRUCTPRUNE_THREADS_TEST_CHILD';

/** Deterministic values in [-1, 1] (no RNG: identical in every process). */
function wave(n: number, k: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * k + k));
}

/** A plain 2-D matMul big enough for XNNPACK to split, and a small LLaMA-like block (the op mix). */
function workload(): Record<string, number[]> {
  const T = 48,
    d = 64,
    H = 4,
    dh = d / H,
    dff = 172,
    V = 256;
  const out = tf.tidy(() => {
    const a = tf.tensor2d(wave(384 * 512, 0.37), [384, 512]);
    const b = tf.tensor2d(wave(512 * 320, 0.91), [512, 320]);
    const mm = tf.matMul(a, b);

    const ids = tf.tensor1d(
      Int32Array.from({ length: T }, (_, i) => (i * 37) % V),
      'int32',
    );
    const E = tf.tensor2d(wave(V * d, 0.13), [V, d]);
    const W = (r: number, c: number, k: number) => tf.mul(tf.tensor2d(wave(r * c, k), [r, c]), 1 / Math.sqrt(r));
    const rms = (x: tf.Tensor2D) => tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-5))) as tf.Tensor2D;
    let x = tf.gather(E, ids) as tf.Tensor2D; // [T, d]
    const h = rms(x);
    const [q, k, v] = [W(d, d, 0.21), W(d, d, 0.33), W(d, d, 0.47)].map((w) => tf.matMul(h, w));
    const mask = tf.mul(tf.sub(tf.linalg.bandPart(tf.ones([T, T]), -1, 0), 1), 1e9); // 0 on/below diagonal, −1e9 above
    const heads: tf.Tensor[] = [];
    for (let j = 0; j < H; j++) {
      const [qh, kh, vh] = [q, k, v].map((t) => tf.slice(t, [0, j * dh], [T, dh]));
      const s = tf.add(tf.mul(tf.matMul(qh, tf.transpose(kh)), 1 / Math.sqrt(dh)), mask);
      heads.push(tf.matMul(tf.softmax(s), vh));
    }
    x = tf.add(x, tf.matMul(tf.concat(heads, 1), W(d, d, 0.59))) as tf.Tensor2D;
    const h2 = rms(x);
    const g = tf.matMul(h2, W(d, dff, 0.61));
    const f = tf.mul(tf.mul(g, tf.sigmoid(g)), tf.matMul(h2, W(d, dff, 0.73)));
    x = tf.add(x, tf.matMul(f, W(dff, d, 0.83))) as tf.Tensor2D;
    const logp = tf.logSoftmax(tf.matMul(rms(x), W(d, V, 0.97)));
    const stats = tf.concat([tf.sum(logp, -1), tf.max(logp, -1), tf.cast(tf.argMax(logp, -1), 'float32')]);
    return { mm, logp, stats };
  });
  const res: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(out)) {
    res[name] = Array.from(t.dataSync());
    t.dispose();
  }
  return res;
}

interface ChildResult {
  info: BackendInfo;
  res: Record<string, number[]>;
  leaked: number;
}

async function childMain(): Promise<void> {
  await initBackend('wasm');
  const before = tf.memory().numTensors;
  const res = workload();
  const line: ChildResult = { info: await initBackend('wasm'), res, leaked: tf.memory().numTensors - before };
  process.stdout.write(JSON.stringify(line) + '\n');
  // No explicit exit: the parent checks that the process ends by itself.
}

interface ChildRun {
  result: ChildResult | null;
  stderr: string;
  code: number | null;
  /** Milliseconds from the result line to the process exit. */
  exitDelayMs: number;
  killed: boolean;
}

function runChild(env: Record<string, string>, nodeFlags: string[] = [], killAfterMs = 90_000): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', __filename], {
      env: { ...process.env, [CHILD_FLAG]: '1', STRUCTPRUNE_BACKEND: 'wasm', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let resultAt = NaN;
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, killAfterMs);
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      if (Number.isNaN(resultAt) && stdout.includes('\n')) resultAt = performance.now();
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const first = stdout.split('\n')[0];
      let result: ChildResult | null;
      try {
        result = JSON.parse(first) as ChildResult;
      } catch {
        result = null;
      }
      resolve({ result, stderr: stderr.slice(-2000), code, exitDelayMs: performance.now() - resultAt, killed });
    });
  });
}

/** max |a − b| / max |ref|, and how many entries are bitwise equal. */
function compare(ref: number[], got: number[]): { rel: number; equal: number } {
  assert.equal(got.length, ref.length);
  let scale = 0,
    diff = 0,
    equal = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]));
    diff = Math.max(diff, Math.abs(ref[i] - got[i]));
    if (Object.is(ref[i], got[i])) equal++;
  }
  return { rel: diff / scale, equal };
}

function assertMatches(ref: Record<string, number[]>, got: Record<string, number[]>, label: string): void {
  for (const name of Object.keys(ref)) {
    const { rel, equal } = compare(ref[name], got[name]);
    assert.ok(rel <= 1e-6, `${label} ${name}: relative difference ${rel} (${equal}/${ref[name].length} bitwise equal)`);
  }
}

if (process.env[CHILD_FLAG] === '1') {
  void childMain();
} else {
  const reference = (async () => {
    await initBackend('wasm', { threads: 1 });
    const before = tf.memory().numTensors;
    const res = workload();
    assert.equal(tf.memory().numTensors, before, 'workload leaked tensors');
    return res;
  })();
  // Both children start at once (they are mostly start-up time) while the parent computes the reference.
  const threadedRun = runChild({ STRUCTPRUNE_WASM_THREADS: '2' });
  // Workers evaluate tfjs's wasm script with eval(): forbidding code from strings makes them fail.
  const fallbackRun = runChild({ STRUCTPRUNE_WASM_THREADS: '2' }, ['--disallow-code-generation-from-strings']);

  test('single-threaded reference runs on 1 thread', async () => {
    await reference;
    const info = await initBackend('wasm');
    assert.equal(info.threads, 1);
    assert.equal(info.threadsRequested, 1);
  });

  test('2 wasm threads: same matMul and op-mix results, no leak, exits by itself', async () => {
    const ref = await reference;
    const run = await threadedRun;
    assert.ok(!run.killed, `child killed after 90 s; stderr: ${run.stderr}`);
    assert.ok(run.result, `child printed no result (code ${run.code}); stderr: ${run.stderr}`);
    assert.equal(run.stderr, '', 'threaded start should print nothing');
    assert.equal(run.result.info.threads, 2);
    assert.match(run.result.info.provider, /threaded/);
    assert.equal(run.result.leaked, 0);
    assertMatches(ref, run.result.res, 'threaded');
    assert.equal(run.code, 0);
    assert.ok(run.exitDelayMs < 5000, `child took ${run.exitDelayMs.toFixed(0)} ms to exit after its work`);
  });

  test('threaded start failure falls back to single-threaded wasm with one stderr line', async () => {
    const ref = await reference;
    const run = await fallbackRun;
    assert.ok(!run.killed, `child killed after 90 s; stderr: ${run.stderr}`);
    assert.ok(run.result, `child printed no result (code ${run.code}); stderr: ${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `expected one warning line, got: ${run.stderr}`);
    assert.match(lines[0], /wasm threads unavailable .*single-threaded/);
    assert.equal(run.result.info.threads, 1);
    assert.equal(run.result.info.threadsRequested, 2);
    assertMatches(ref, run.result.res, 'fallback');
    assert.equal(run.code, 0);
  });

  test('bad STRUCTPRUNE_WASM_THREADS and a later different thread count reject with the fix', async () => {
    await reference;
    const saved = process.env.STRUCTPRUNE_WASM_THREADS;
    process.env.STRUCTPRUNE_WASM_THREADS = 'two';
    try {
      await assert.rejects(initBackend('wasm'), /STRUCTPRUNE_WASM_THREADS="two".*integer ≥ 1/);
    } finally {
      if (saved === undefined) delete process.env.STRUCTPRUNE_WASM_THREADS;
      else process.env.STRUCTPRUNE_WASM_THREADS = saved;
    }
    await assert.rejects(initBackend('wasm', { threads: 0 }), /threads.*integer ≥ 1/);
    await assert.rejects(initBackend('wasm', { threads: 2 }), /fixed per process/);
  });
}

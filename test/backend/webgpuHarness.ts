// Running the same computation on wasm and on webgpu in one test process. tfjs has one engine: switching with
// initBackend(name) (tf.setBackend) keeps both backends; tensors must not cross (a webgpu tensor read on wasm
// would need a synchronous GPU read), so each run uploads its own inputs.
//
// Availability: when webgpu cannot start, the test FAILS under CI=true or once scripts/setup-webgpu.sh has run
// (.webgpu/vulkan.json exists), so a broken setup cannot pass as "skipped"; elsewhere it is skipped with the fix.
import * as fs from 'fs';
import * as path from 'path';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend, BackendInfo } from '../../src/backend';

const CONFIG = path.resolve(__dirname, '..', '..', '.webgpu', 'vulkan.json');

let started: Promise<BackendInfo | Error> | null = null;

/** Start webgpu once per process: its info, or the error it failed with. */
function startWebgpu(): Promise<BackendInfo | Error> {
  started ??= initBackend('webgpu').then(
    (info) => info,
    (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
  );
  return started;
}

/**
 * Make sure webgpu runs: returns false (test skipped) only outside CI when the setup never ran; throws when it
 * should run and does not. Leaves the wasm backend active.
 */
export async function requireWebgpu(t: TestContext): Promise<boolean> {
  const r = await startWebgpu();
  await initBackend('wasm');
  if (!(r instanceof Error)) return true;
  if (process.env.CI === 'true' || fs.existsSync(CONFIG) || process.env.VK_ICD_FILENAMES) {
    throw new Error(`webgpu is required here (CI=true or scripts/setup-webgpu.sh has run) but did not start: ${r.message}`);
  }
  t.skip(`webgpu unavailable (${r.message.split(':')[0]}); run \`bash scripts/setup-webgpu.sh\``);
  return false;
}

/** Run `fn` on wasm, then on webgpu (checking that webgpu really is the backend); wasm is active afterwards. */
export async function onBoth<T>(fn: () => T | Promise<T>): Promise<{ wasm: T; webgpu: T }> {
  await initBackend('wasm');
  const wasm = await fn();
  assert.equal(tf.getBackend(), 'wasm', 'the computation switched tfjs away from wasm');
  const info = await initBackend('webgpu');
  try {
    assert.equal(tf.getBackend(), 'webgpu', 'silent fallback: tfjs is not running webgpu');
    assert.equal(info.name, 'webgpu');
    assert.ok(info.webgpu?.adapter.description, 'webgpu runs without an adapter description');
    const webgpu = await fn();
    assert.equal(tf.getBackend(), 'webgpu', 'the computation switched tfjs away from webgpu');
    return { wasm, webgpu };
  } finally {
    await initBackend('wasm');
  }
}

/** Read a tensor inside `fn` asynchronously (works on both backends) and dispose it. */
export async function readAsync(fn: () => tf.Tensor): Promise<Float32Array> {
  const t = tf.tidy(fn);
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/** Fails on all-zero or non-finite output (what an invalid GPU pipeline silently returns). */
export function assertMeaningful(a: ArrayLike<number>, what: string): void {
  let nonzero = 0;
  for (let i = 0; i < a.length; i++) {
    assert.ok(Number.isFinite(a[i]), `${what}: non-finite value at ${i}`);
    if (a[i] !== 0) nonzero++;
  }
  assert.ok(nonzero > a.length / 2, `${what}: ${a.length - nonzero} of ${a.length} values are exactly 0`);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'lengths differ');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

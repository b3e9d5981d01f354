// Shared test helpers: the real stories260K (loaded once per test file) and a tensor-leak check.
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../src/backend';
import { loadModel } from '../src/model/load';
import { LoadedModel } from '../src/model/codec';
import { dataPath } from '../src/data/datadir';
import type { ModuleSpec } from '../src/prune/coupling';
import type { RemovedMask } from '../src/prune/slice';

let stories: Promise<LoadedModel> | null = null;
/** stories260K with its tokenizer, from the data directory. */
export function stories260K(): Promise<LoadedModel> {
  stories ??= initBackend().then(() => loadModel('stories260K'));
  return stories;
}

export interface Golden {
  greedy_from_bos: { token_ids: number[]; text: string };
  prompt_nll: { text: string; ids_with_bos: number[]; nll_per_predicted_token: number[]; mean_nll: number };
  logits_after_bos: number[];
  encode_examples: { text: string; ids_with_bos: number[] }[];
}
export function golden(): Golden {
  return JSON.parse(fs.readFileSync(dataPath('stories260K/golden.json'), 'utf8'));
}

/** Run fn and assert it leaves no new live tensors. */
export async function noLeaks<T>(fn: () => T | Promise<T>): Promise<T> {
  await initBackend();
  const before = tf.memory().numTensors;
  const r = await fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`leaked ${after - before} tensors`);
  return r;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(require('os').tmpdir(), prefix));
}

/** Logits [T, vocab] of a host model for ids, as a Float32Array. */
export function logitsOf(model: LoadedModel['model'], ids: number[]): Float32Array {
  const { toDevice } = require('../src/model/device');

  const { forward } = require('../src/model/forward');
  const dm = toDevice(model);
  try {
    const t = tf.tidy(() => forward(model.config, dm.weights, ids).logits);
    const out = t.dataSync() as Float32Array;
    t.dispose();
    return out;
  } finally {
    dm.dispose();
  }
}

/** Run a command in `cwd` (default: the project root), echo its output as it comes (so a long run shows progress), resolve with code and output. */
export function runEchoed(
  cmd: string,
  args: string[],
  timeoutMs: number,
  cwd: string = path.resolve(__dirname, '..'),
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const take = (b: Buffer) => {
      out += b.toString();
      process.stdout.write(b.toString().replace(/^/gm, '# '));
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/**
 * `mask` is one threshold on importance / unit cost across all modules: every removed ratio is at most every kept
 * one, and the removed cost is the shortest such prefix that reaches `budget` (the global masks of global.ts and
 * globalFisher.ts).
 */
export function assertThresholdMask(specs: readonly ModuleSpec[], mask: RemovedMask, importance: Float64Array[], budget: number): void {
  let removedCost = 0;
  let maxRemoved = -Infinity;
  let minKept = Infinity;
  let lastCost = 0;
  specs.forEach((s, m) =>
    mask[s.id].forEach((r, j) => {
      const ratio = importance[m][j] / s.unitCost;
      if (r) {
        removedCost += s.unitCost;
        if (ratio > maxRemoved) [maxRemoved, lastCost] = [ratio, s.unitCost];
      } else minKept = Math.min(minKept, ratio);
    }),
  );
  assert.ok(removedCost >= budget, `removed ${removedCost} < budget ${budget}`);
  assert.ok(removedCost - lastCost < budget, 'the removed set is the shortest greedy prefix');
  assert.ok(maxRemoved <= minKept, `every removed ratio (max ${maxRemoved}) is below every kept one (min ${minKept})`);
}

// The memory-scaling experiment (METHOD.md §7): run `global` and `structprune` on every member of a model
// family (family.ts), each point in a fresh Node process so that peaks (and maxRSS) do not mix, and fit
// log(peak tensor bytes) = exponent · log(params) + c per method. Every point is also predicted by the
// analytic model (memoryModel.ts) from its configuration, so the two can be compared point by point.
//
// What a point measures: the memory meter around the whole `prune` call (statistics, mask selection,
// compensation, slicing), on the active backend. The weights are seeded random (memory does not depend on
// values); the calibration is the same at every point: `samples` windows of `seqlen` seeded random token ids.
// StructPrune's ADMM runs `iterations` iterations (default 2): its memory per iteration is constant (one
// module's operands on the device), so more iterations cost time, not memory.
// The device path is what is measured and modelled: for the duration of a point the host OpenBLAS algebra and the
// fused CPU attention are switched off (setBlas('ts'), setAttention('tfjs')), since they move work (Grams, P-step
// products, per-head scores) off the tfjs device, below what memoryModel.ts predicts. The previous modes are restored.
//
// This file is also the child's entry point: `node --import tsx memory.ts --point '<json>'` runs one point
// and prints one JSON line.
import type { ModuleWeighting } from '../prune/moduleProblems';
import { powerLawFit, PowerFit } from '../util/numeric';
import { spawn } from 'child_process';
import { pathToFileURL } from 'url';
import { initBackend, tf } from '../backend';
import { prune } from '../prune/prune';
import { blasInfo, setBlas } from '../linalg/blas';
import { attentionInfo, setAttention } from '../model/attentionFused';
import { countParams } from '../model/hostTensor';
import { ModelConfig } from '../model/config';
import { createRng } from '../util/rng';
import { FamilyMember, FamilyName, familyMembers, familyModel } from './family';
import { predictPeak, MemoryMethod } from './memoryModel';

/** The methods the experiment compares: the O(N) reference and StructPrune. */
export const MEMORY_METHODS: readonly MemoryMethod[] = ['global', 'structprune'];

/** One run: a family member, a method and the shared settings. */
export interface MemoryPointSpec {
  member: FamilyMember;
  method: MemoryMethod;
  /** Seed of the weights and of the calibration ids. */
  seed: number;
  samples: number;
  seqlen: number;
  sparsity: number;
  /** ADMM iterations (structprune). */
  iterations: number;
  /** Module weights of structprune (default: prune()'s, loss-aware, whose block-wise backward is measured too). */
  weighting?: ModuleWeighting;
}

/** What one point measured (bytes, seconds), as the child prints it. */
export interface MeasuredPoint {
  label: string;
  method: MemoryMethod;
  /** countParams of the dense model (host weights, embeddings included). */
  params: number;
  layers: number;
  dModel: number;
  /** Peak of tf.memory().numBytes during prune() (tfjs accounting). */
  peakBytes: number;
  /** Peak growth of distinct live backend buffers during prune(). */
  peakNewBufferBytes: number;
  wasmHeapBytes: number | null;
  /** webgpu: peak GPU bytes in use during prune() by the backend's buffer manager (device memory); null elsewhere. */
  gpuPeakBytes: number | null;
  /** The child process's maxRSS (host model, runtime and wasm heap included). */
  maxRssBytes: number;
  backend: string | null;
  /** prune() wall time. */
  seconds: number;
  config: ModelConfig;
}

/** A measured point with the analytic prediction of its peak. */
export interface MemoryPoint extends Omit<MeasuredPoint, 'config'> {
  predictedPeakBytes: number;
  predictedPhase: string;
  /** peakNewBufferBytes / predictedPeakBytes (the model predicts distinct buffers). */
  measuredOverPredicted: number;
}

/** Least-squares fit of log(y) = exponent · log(x) + intercept. */
/** The calibration every point uses: `samples` windows of `seqlen` seeded random ids in [0, vocab). */
export function randomWindows(samples: number, seqlen: number, vocab: number, seed: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: samples }, () => Array.from({ length: seqlen }, () => rng.int(0, vocab - 1)));
}

/** Run one point in THIS process (its maxRSS then includes whatever ran before). */
export async function runMemoryPoint(spec: MemoryPointSpec): Promise<MeasuredPoint> {
  await initBackend();
  const model = familyModel(spec.member, spec.seed);
  const windows = randomWindows(spec.samples, spec.seqlen, spec.member.vocabSize, spec.seed + 1);
  const t0 = performance.now();
  const blas = blasInfo().mode;
  const attention = attentionInfo().mode;
  setBlas('ts');
  setAttention('tfjs');
  let r: Awaited<ReturnType<typeof prune>>;
  try {
    r = await prune(model, { method: spec.method, sparsity: spec.sparsity, windows, weighting: spec.weighting, admm: { iterations: spec.iterations } });
  } finally {
    setBlas(blas);
    setAttention(attention);
  }
  const m = r.report.memory;
  return {
    label: spec.member.label,
    method: spec.method,
    params: countParams(model.weights),
    layers: spec.member.layers,
    dModel: spec.member.dModel,
    peakBytes: m.peakBytes,
    peakNewBufferBytes: m.peakNewBufferBytes,
    wasmHeapBytes: m.wasmHeapBytes,
    gpuPeakBytes: m.gpu?.peakBytes ?? null,
    maxRssBytes: m.maxRssBytes,
    backend: m.backend,
    seconds: (performance.now() - t0) / 1000,
    config: model.config,
  };
}

/** Run one point in a fresh Node process (this file as the entry, tsx as the loader); rejects with the child's stderr tail. */
export function runPointInFreshProcess(spec: MemoryPointSpec, opts: { timeoutMs?: number } = {}): Promise<MeasuredPoint> {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, __filename, '--point', JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...(tf.getBackend() ? { STRUCTPRUNE_BACKEND: tf.getBackend() } : {}) },
    }); // the point runs on this process's backend
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.length > 20000) err = err.slice(-10000); // wasm errors print the whole module source: keep the tail
    });
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : null;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) {
        resolve(JSON.parse(line) as MeasuredPoint);
        return;
      }
      reject(new Error(`memory point ${spec.member.label} ${spec.method} failed (exit ${code ?? signal}): ${err.trim().slice(-1500) || out.slice(-500)}`));
    });
  });
}

/** Options of {@link memoryExperiment}; defaults in brackets in each comment. */
export interface MemoryExperimentOptions {
  family: FamilyName;
  /** Default both: global, structprune. */
  methods?: readonly MemoryMethod[];
  /** Members of the family (default: familyMembers(family, {sizes, seqlen})). */
  sizes?: number;
  /** Explicit members instead of a named family's (tests, custom families). */
  members?: readonly FamilyMember[];
  /** Calibration windows (default 4) of `seqlen` tokens (default 8): the same at every point. */
  samples?: number;
  seqlen?: number;
  /** Target sparsity (default 0.3). */
  sparsity?: number;
  /** ADMM iterations of structprune (default 2; memory per iteration is constant). */
  iterations?: number;
  /** Seed of weights and calibration ids (default 0). */
  seed?: number;
  /** Run each point in a fresh process (default true); false runs them here, one after another. */
  freshProcess?: boolean;
  /** Kill a point's process after this long (default 10 min). */
  pointTimeoutMs?: number;
  /** Called after each point. */
  onPoint?: (p: MemoryPoint, done: number, total: number) => void;
}

/** Everything the experiment measured and fitted (host data; `structprune memory --json` prints it). */
export interface MemoryExperimentResult {
  family: FamilyName | 'custom';
  settings: { samples: number; seqlen: number; sparsity: number; iterations: number; seed: number; freshProcess: boolean };
  points: MemoryPoint[];
  /** Per method: slope of log(peakBytes) vs log(params). */
  fit: Partial<Record<MemoryMethod, PowerFit>>;
  /** The same fit on the analytic predictions of the same points. */
  predictedFit: Partial<Record<MemoryMethod, PowerFit>>;
  /** Largest |measured/predicted − 1| over the points (distinct buffers vs the model). */
  maxModelError: number;
  wallSeconds: number;
}

/** Run the experiment: every member × method, smallest first; then the fits. */
export async function memoryExperiment(opts: MemoryExperimentOptions): Promise<MemoryExperimentResult> {
  const t0 = performance.now();
  const methods = opts.methods ?? MEMORY_METHODS;
  for (const m of methods)
    if (!MEMORY_METHODS.includes(m)) throw new RangeError(`memory experiment: method must be one of ${MEMORY_METHODS.join('|')}, got "${m}"`);
  const settings = {
    samples: opts.samples ?? 4,
    seqlen: opts.seqlen ?? 8,
    sparsity: opts.sparsity ?? 0.3,
    iterations: opts.iterations ?? 2,
    seed: opts.seed ?? 0,
    freshProcess: opts.freshProcess ?? true,
  };
  if (!Number.isInteger(settings.samples) || settings.samples < 1) throw new RangeError(`samples must be an integer ≥ 1, got ${settings.samples}`);
  if (!Number.isInteger(settings.seqlen) || settings.seqlen < 2) throw new RangeError(`seqlen must be an integer ≥ 2, got ${settings.seqlen}`);
  const members = opts.members ?? familyMembers(opts.family, { sizes: opts.sizes, seqlen: settings.seqlen });
  for (const m of members) if (settings.seqlen > m.maxSeq) throw new RangeError(`seqlen ${settings.seqlen} exceeds ${m.label}'s context ${m.maxSeq}`);
  const total = members.length * methods.length;
  const points: MemoryPoint[] = [];
  for (const member of members) {
    for (const method of methods) {
      const spec: MemoryPointSpec = { member, method, ...settings };
      const { config, ...measured } = settings.freshProcess
        ? await runPointInFreshProcess(spec, { timeoutMs: opts.pointTimeoutMs ?? 600_000 })
        : await runMemoryPoint(spec);
      const pred = predictPeak(config, { seqlen: settings.seqlen }, method);
      const p: MemoryPoint = {
        ...measured,
        predictedPeakBytes: pred.peakBytes,
        predictedPhase: pred.phase,
        measuredOverPredicted: measured.peakNewBufferBytes / pred.peakBytes,
      };
      points.push(p);
      opts.onPoint?.(p, points.length, total);
    }
  }
  const fit: MemoryExperimentResult['fit'] = {};
  const predictedFit: MemoryExperimentResult['predictedFit'] = {};
  for (const method of methods) {
    const ps = points.filter((p) => p.method === method);
    if (ps.length < 2) continue;
    fit[method] = powerLawFit(
      ps.map((p) => p.params),
      ps.map((p) => p.peakBytes),
    );
    predictedFit[method] = powerLawFit(
      ps.map((p) => p.params),
      ps.map((p) => p.predictedPeakBytes),
    );
  }
  return {
    family: opts.members ? 'custom' : opts.family,
    settings,
    points,
    fit,
    predictedFit,
    maxModelError: Math.max(0, ...points.map((p) => Math.abs(p.measuredOverPredicted - 1))),
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

/** Child entry: `--point <json MemoryPointSpec>` → one JSON line on stdout. */
async function childMain(argv: string[]): Promise<number> {
  const i = argv.indexOf('--point');
  if (i < 0 || !argv[i + 1]) {
    process.stderr.write("usage: node --import tsx src/experiments/memory.ts --point '<MemoryPointSpec JSON>'\n");
    return 2;
  }
  const p = await runMemoryPoint(JSON.parse(argv[i + 1]) as MemoryPointSpec);
  process.stdout.write(JSON.stringify(p) + '\n');
  return 0;
}

if (require.main === module) {
  childMain(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exitCode = 1;
    },
  );
}

import { parse, num, str, choice } from '../args';
import { emit, table } from '../output';
import { progress } from '../progress';
import { memoryExperiment, MEMORY_METHODS, MemoryExperimentResult } from '../../experiments/memoryScaling';
import { FAMILY_NAMES, familyMembers } from '../../experiments/family';
import { memoryTable, MemoryTableRow } from '../../experiments/memoryModel';
import { MemoryMethod } from '../../experiments/memoryModel';
import { UsageError } from '../../errors';

export const usage = `structprune memory --family llama|opt|opt-real [--methods global,structprune] [--sizes N]
    [--samples 4] [--seqlen 8] [--sparsity 0.3] [--iterations 2] [--seed 0] [--json]
structprune memory --table [--seqlen 2048] [--json]
  Memory scaling (METHOD.md §7): prune every member of a seeded random model family with each method, each
  point in a fresh process, and fit log(peak tensor bytes) vs log(params). Families: llama, opt (depth ∝ width²,
  per-layer size ∝ √N), opt-real (OPT 125M…66B shapes scaled down). --iterations caps StructPrune's ADMM
  (memory per iteration is constant). --table prints the analytic model's peaks for OPT 125M…66B and
  LLaMA-2 7B…70B instead (fp32 and fp16).`;

const MB = (b: number) => (b / 2 ** 20).toFixed(1);
const GB = (b: number) => (b / 2 ** 30).toFixed(1);

function experimentText(r: MemoryExperimentResult): string {
  const fits = Object.entries(r.fit).map(
    ([m, f]) =>
      `${m}: peak ∝ params^${f!.exponent.toFixed(3)} (r² ${f!.r2.toFixed(4)}); analytic model ^${r.predictedFit[m as MemoryMethod]!.exponent.toFixed(3)}`,
  );
  return [
    table(
      ['member', 'method', 'params', 'peak MiB', 'model MiB', 'meas/model', 'wasm heap MiB', 'GPU peak MiB', 'maxRSS MiB', 'prune s'],
      r.points.map((p) => [
        p.label,
        p.method,
        p.params,
        MB(p.peakBytes),
        MB(p.predictedPeakBytes),
        p.measuredOverPredicted.toFixed(3),
        p.wasmHeapBytes === null ? '' : MB(p.wasmHeapBytes),
        p.gpuPeakBytes == null ? '' : MB(p.gpuPeakBytes),
        MB(p.maxRssBytes),
        p.seconds.toFixed(1),
      ]),
    ),
    ...fits,
    `settings: ${JSON.stringify(r.settings)}; wall time ${r.wallSeconds.toFixed(0)} s`,
  ].join('\n');
}

function tableText(rows: MemoryTableRow[]): string {
  return [
    table(
      [
        'model',
        'params',
        'params/layer',
        'global fp32 GiB',
        'global fp16 GiB',
        '(weights fp32)',
        'structprune fp32 GiB',
        'structprune fp16 GiB',
        'phase',
        'ratio',
      ],
      rows.map((r) => [
        r.model,
        r.params,
        r.paramsPerLayer,
        GB(r.global.fp32),
        GB(r.global.fp16),
        GB(r.global.weightsFp32),
        GB(r.structprune.fp32),
        GB(r.structprune.fp16),
        r.structprune.phase,
        r.ratio.toFixed(1),
      ]),
    ),
    `Predicted peak device memory of this implementation (src/experiments/memoryModel.ts), windows of ${rows[0]?.seqlen} tokens, one window per pass.`,
  ].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    family: { type: 'string' },
    methods: { type: 'string' },
    sizes: { type: 'string' },
    samples: { type: 'string' },
    seqlen: { type: 'string' },
    sparsity: { type: 'string' },
    iterations: { type: 'string' },
    seed: { type: 'string' },
    table: { type: 'boolean', default: false },
  });
  if (values.table) {
    const rows = memoryTable({ seqlen: num(values, 'seqlen', 2048, { min: 2, int: true }) });
    emit(!!values.json, { rows }, () => tableText(rows));
    return 0;
  }
  const family = choice(values, 'family', FAMILY_NAMES);
  const methods = str(values, 'methods', MEMORY_METHODS.join(',')).split(',') as MemoryMethod[];
  for (const m of methods) if (!MEMORY_METHODS.includes(m)) throw new UsageError(`--methods: unknown method "${m}" (${MEMORY_METHODS.join('|')})`);
  const sizes = values.sizes === undefined ? undefined : num(values, 'sizes', 5, { min: 2, int: true });
  try {
    familyMembers(family, { sizes });
  } catch (e) {
    throw new UsageError(`--sizes: ${(e as Error).message}`);
  }
  const bar = progress(!values.json);
  const r = await memoryExperiment({
    family,
    methods,
    sizes,
    samples: num(values, 'samples', 4, { min: 1, int: true }),
    seqlen: num(values, 'seqlen', 8, { min: 2, int: true }),
    sparsity: num(values, 'sparsity', 0.3, { min: 0, max: 0.99 }),
    iterations: num(values, 'iterations', 2, { min: 0, int: true }),
    seed: num(values, 'seed', 0, { int: true }),
    onPoint: (p, d, t) => bar.update(`memory ${p.label}`, d, t),
  });
  bar.done();
  emit(!!values.json, r, () => experimentText(r));
  return 0;
}

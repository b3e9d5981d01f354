import { parse } from '../args';
import { table } from '../output';
import { UsageError } from '../../errors';
import { runBench, BENCH_NAMES, BenchName, BenchRecord } from '../../experiments/bench';

export const usage = `structprune bench [--only NAME[,NAME…]] [--baseline] [--json]
  Speed of the host linear algebra, the Gram, a P-step at OPT-125M shape, the forward and the full TinyStories-val
  perplexity (names: ${BENCH_NAMES.join(', ')}). --baseline also runs each measurement on today's fallback paths
  (STRUCTPRUNE_BLAS=ts, tfjs attention), interleaved, with ratios. --json: one JSON line per measurement
  {name, seconds, gflops?, backend, blas, …}; otherwise a table at the end. Never asserts; times vary on shared machines.`;

export function benchTable(records: readonly BenchRecord[]): string {
  return table(
    ['name', 'variant', 'seconds', 'GFLOP/s', 'tokens/s', 'ratio', 'backend', 'blas', 'attention', 'note'],
    records.map((r) => [
      r.name,
      r.variant,
      r.seconds.toFixed(r.seconds < 10 ? 3 : 1),
      r.gflops === undefined ? '' : r.gflops.toFixed(1),
      r.tokensPerSecond === undefined ? '' : r.tokensPerSecond.toFixed(0),
      r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
      r.backend,
      r.blas,
      r.attention ?? '',
      r.note ?? '',
    ]),
  );
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { only: { type: 'string' }, baseline: { type: 'boolean', default: false } });
  const only =
    values.only === undefined
      ? undefined
      : (String(values.only)
          .split(',')
          .map((s) => s.trim()) as BenchName[]);
  for (const n of only ?? []) if (!BENCH_NAMES.includes(n)) throw new UsageError(`--only: unknown measurement "${n}" (${BENCH_NAMES.join('|')})`);
  const records: BenchRecord[] = [];
  for await (const r of runBench({ only, baseline: !!values.baseline, dataDir: values['data-dir'] as string | undefined })) {
    records.push(r);
    if (values.json) process.stdout.write(JSON.stringify(r) + '\n');
    else process.stderr.write(`${r.name} (${r.variant}): ${r.seconds.toFixed(3)} s\n`);
  }
  if (!values.json) process.stdout.write(benchTable(records) + '\n');
  return 0;
}

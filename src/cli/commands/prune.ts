import * as fs from 'fs';
import { parse, num, str, choice } from '../args';
import { emit, table } from '../output';
import { progress } from '../progress';
import { loadModel, DEFAULT_MODEL } from '../../model/load';
import { prune, PRUNE_METHODS } from '../../prune/prune';
import { MODULE_WEIGHTINGS } from '../../prune/moduleProblems';
import { heldOutWindows, HELD_OUT_SAMPLES } from '../../data/heldOutWindows';
import { ALLOCATION_VARIANTS } from '../../prune/allocationVariants';
import { calibrationWindows } from '../../data/calibrationWindows';
import { evaluate } from '../../eval/evaluate';
import { CORPUS_NAMES, CorpusName } from '../../data/corpora';
import { savePruned } from '../../model/pruned';
import { ADMM_DEFAULTS, AdmmAllocation } from '../../prune/admm/problem';
import { UsageError } from '../../errors';
import { writeHtmlReport } from '../../plot/html';
import { AdmmReport } from '../../prune/admm/step';

const ALLOCATIONS: readonly AdmmAllocation[] = ['threshold', 'softmax', 'fermi-dirac', 'uniform'];

export const usage = `structprune prune [--model stories260K|FILE|DIR] --method ${PRUNE_METHODS.join('|')} --sparsity S
    [--calib-samples 64] [--calib-seqlen 256] [--calib-dataset tinystories-train|c4|…] [--seed 0]
    [--weighting loss|relative|absolute|residual (structprune: loss; others: relative)] [--damp 0.01] [--sequential]
    [--allocation ${ALLOCATIONS.join('|')} (structprune: fermi-dirac)] [--temperature T (default: searched on the held-out windows)] [--iterations 30] [--rho0 0.2] [--kappa 1.3]
    [--held-out min(32, calib-samples)] [--variant kinds|owl|probe] [--checkpoint DIR] [--trace FILE.jsonl] [--report FILE.html] [--out DIR] [--eval DATASET[,DATASET…]] [--max-windows N] [--json]
  Prune (METHOD.md §4–§6), compensate, slice; optionally save to DIR (model.safetensors, config.json,
  report.json), write a standalone HTML report (per-module sparsity, ADMM trace) and evaluate perplexity.
  --json prints the report as one JSON line.`;

export const PRUNE_OPTIONS = {
  model: { type: 'string' }, method: { type: 'string' }, sparsity: { type: 'string' }, 'calib-samples': { type: 'string' }, 'calib-seqlen': { type: 'string' },
  'calib-dataset': { type: 'string' }, seed: { type: 'string' }, weighting: { type: 'string' }, damp: { type: 'string' }, sequential: { type: 'boolean', default: false },
  allocation: { type: 'string' }, temperature: { type: 'string' }, iterations: { type: 'string' }, rho0: { type: 'string' }, kappa: { type: 'string' },
  'held-out': { type: 'string' }, variant: { type: 'string' }, checkpoint: { type: 'string' }, trace: { type: 'string' }, report: { type: 'string' }, out: { type: 'string' }, eval: { type: 'string' }, 'max-windows': { type: 'string' }, tokenizer: { type: 'string' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, PRUNE_OPTIONS);
  const dataDir = values['data-dir'] as string | undefined;
  const method = choice(values, 'method', PRUNE_METHODS);
  const sparsity = num(values, 'sparsity', NaN, { min: 0, max: 0.99 });
  if (Number.isNaN(sparsity)) throw new UsageError('--sparsity is required (0 ≤ s < 1)');
  const evals = values.eval ? String(values.eval).split(',') : [];
  for (const e of evals) if (!CORPUS_NAMES.includes(e as CorpusName)) throw new UsageError(`--eval: unknown dataset "${e}" (${CORPUS_NAMES.join('|')})`);
  const loaded = await loadModel(str(values, 'model', DEFAULT_MODEL), { dataDir, tokenizer: values.tokenizer as string | undefined });
  const calib = await calibrationWindows(loaded, {
    corpus: values['calib-dataset'] === undefined ? undefined : choice(values, 'calib-dataset', CORPUS_NAMES),
    samples: num(values, 'calib-samples', 64, { min: 1, int: true }),
    seqlen: num(values, 'calib-seqlen', 256, { min: 2, max: loaded.model.config.maxSeq, int: true }),
    seed: num(values, 'seed', 0, { int: true }),
  }, { dataDir });
  const heldOutN = num(values, 'held-out', Math.min(HELD_OUT_SAMPLES, calib.samples), { min: 0, int: true });
  const heldOut = heldOutN > 0 ? await heldOutWindows(loaded, { corpus: calib.corpus, seqlen: calib.seqlen, seed: calib.seed }, { dataDir, samples: heldOutN }) : undefined;
  const bar = progress(!values.json);
  const trace = values.trace ? String(values.trace) : null;
  if (trace) fs.writeFileSync(trace, '');
  const reports: AdmmReport[] = [];
  const result = await prune(loaded.model, {
    method, sparsity, windows: calib.windows, heldOut,
    allocationVariant: values.variant === undefined ? undefined : choice(values, 'variant', ALLOCATION_VARIANTS),
    weighting: values.weighting === undefined ? undefined : choice(values, 'weighting', MODULE_WEIGHTINGS),
    ...(values.temperature !== undefined ? { temperatureSearch: false } : {}),
    damp: num(values, 'damp', 0.01, { min: 0 }),
    sequential: !!values.sequential,
    admm: {
      allocation: values.allocation === undefined ? undefined : choice(values, 'allocation', ALLOCATIONS),
      temperature: values.temperature === undefined ? undefined : num(values, 'temperature', 1, { min: 1e-9 }),
      iterations: num(values, 'iterations', ADMM_DEFAULTS.iterations, { min: 0, int: true }),
      rho0: num(values, 'rho0', ADMM_DEFAULTS.rho0, { min: 1e-12 }),
      kappa: num(values, 'kappa', ADMM_DEFAULTS.kappa, { min: 1 }),
    },
    checkpoint: values.checkpoint as string | undefined,
    runId: { model: loaded.model.source.sha256 ?? loaded.model.source.name, corpus: calib.corpus, seed: calib.seed },
    onProgress: (stage, d, t) => bar.update(stage, d, t),
    onReport: (r) => {
      reports.push(r);
      if (trace) fs.appendFileSync(trace, JSON.stringify(r) + '\n');
      if (!values.json && process.stderr.isTTY) {
        bar.done();
        process.stderr.write(`iter ${String(r.iteration).padStart(2)}  rho ${r.rho.toPrecision(3).padStart(8)}  primal ${r.primalResidual.toExponential(2)}  obj ${r.objective.toExponential(3)}  sparsity ${r.sparsity.toFixed(3)}  flips ${r.flipped}\n`);
      }
    },
  });
  bar.done();
  const perplexity: Record<string, number> = {};
  const evalSeconds: Record<string, number> = {};
  const maxWindows = values['max-windows'] === undefined ? undefined : num(values, 'max-windows', 0, { min: 1, int: true });
  for (const d of evals) {
    const r = await evaluate({ ...loaded, model: result.model }, d as CorpusName, { dataDir, maxWindows, onProgress: (a, b) => bar.update(`eval ${d}`, a, b) });
    bar.done();
    perplexity[d] = r.ppl;
    evalSeconds[d] = r.seconds;
  }
  const report = { ...result.report, model: loaded.model.source.name, seed: calib.seed, calibration: { ...result.report.calibration, corpus: calib.corpus }, perplexity, evalSeconds, out: values.out ?? null };
  if (values.out) savePruned(String(values.out), { ...loaded, model: result.model }, report);
  if (values.report) writeHtmlReport(String(values.report), { report, trace: reports });
  emit(!!values.json, report, () =>
    [
      `${method} at sparsity ${sparsity}: removed ${(report.sparsity * 100).toFixed(1)} % of unit cost, ${(report.paramSparsity * 100).toFixed(1)} % of prunable parameters; ${report.params.dense} → ${report.params.pruned} parameters in ${report.seconds.total.toFixed(1)} s`,
      report.admm ? `ADMM: ${report.admm.iterations} iterations, ${report.admm.converged ? 'converged' : 'stopped at the iteration limit'}` : '',
      report.temperatureSearch
        ? `temperature (held-out loss): ${report.temperatureSearch.grid.map((t, i) => `T=${t === Infinity ? '∞' : t} ${report.temperatureSearch!.heldOutLoss[i].toFixed(4)}`).join(', ')}; chose T=${report.temperatureSearch.chosen === Infinity ? '∞ (uniform counts)' : report.temperatureSearch.chosen}`
        : '',
      ...Object.entries(perplexity).map(([d, p]) => `perplexity on ${d}: ${p.toFixed(4)}`),
      table(['module', 'units', 'removed', 'sparsity'], report.perModule.map((m) => [m.id, m.units, m.removed, m.sparsity.toFixed(3)])),
      values.out ? `saved to ${values.out}` : '',
    ].filter(Boolean).join('\n'));
  return 0;
}

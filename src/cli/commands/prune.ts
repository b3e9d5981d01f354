import * as fs from 'fs';
import * as path from 'path';
import { parse, num, str, choice, maxWindows, onlyWith } from '../args';
import { checkFlag } from '../outputs';
import { emit, table, cliIO } from '../output';
import { progress } from '../progress';
import { loadModel, DEFAULT_MODEL } from '../../model/load';
import { prune, PRUNE_METHODS } from '../../prune/prune';
import { MODULE_WEIGHTINGS } from '../../prune/moduleProblems';
import { heldOutFromIds, HELD_OUT_SAMPLES } from '../../data/heldOutWindows';
import { ALLOCATION_VARIANTS } from '../../prune/allocationVariants';
import { calibrationWindows, CALIBRATION_DEFAULTS } from '../../data/calibrationWindows';
import { evaluate } from '../../eval/evaluate';
import { CORPUS_NAMES, CorpusName } from '../../data/corpora';
import { savePruned, checkPrunedOutput } from '../../model/pruned';
import { checkOutputFile } from '../../io/outputPath';
import { acquireOutputLock, OutputLock } from '../../io/atomicDir';
import { readTextFile } from '../../data/textFile';
import { PRUNE_DEFAULTS } from '../../prune/defaults';
import { ADMM_DEFAULTS, AdmmAllocation } from '../../prune/admm/problem';
import { UsageError } from '../../errors';
import { writeHtmlReport } from '../../plot/html';
import { AdmmReport } from '../../prune/admm/step';

const ALLOCATIONS: readonly AdmmAllocation[] = ['threshold', 'softmax', 'fermi-dirac', 'uniform'];

export const usage = `structprune prune [--model stories260K|FILE|DIR] --method ${PRUNE_METHODS.join('|')} --sparsity S
    [--calib-samples ${CALIBRATION_DEFAULTS.samples}] [--calib-seqlen ${CALIBRATION_DEFAULTS.seqlen}] [--calib-dataset tinystories-train|c4|… | --calib-text FILE] [--seed ${CALIBRATION_DEFAULTS.seed}]
    [--weighting loss|relative|absolute|residual (structprune: loss; others: ${PRUNE_DEFAULTS.weighting})] [--damp ${PRUNE_DEFAULTS.damp}] [--sequential]
    [--allocation ${ALLOCATIONS.join('|')} (structprune: fermi-dirac)] [--temperature T (default: searched on the held-out windows)] [--iterations ${ADMM_DEFAULTS.iterations}] [--rho0 ${ADMM_DEFAULTS.rho0}] [--kappa ${ADMM_DEFAULTS.kappa}]
    [--held-out min(32, calib-samples)] [--variant kinds|owl|probe] [--checkpoint DIR] [--trace FILE.jsonl] [--report FILE.html] [--force] [--out DIR] [--eval DATASET[,DATASET…]] [--max-windows N (0 = all)] [--json]
  Prune (METHOD.md §4–§6), compensate, slice; optionally save to DIR (format: docs/FORMAT.md), write a
  standalone HTML report (per-module sparsity, ADMM trace) and evaluate perplexity. Output paths are
  checked before any work: --trace/--report replace an existing file only with --force; --out must be new,
  empty or a saved model (replaced as a whole). --calib-text FILE calibrates on your own UTF-8 text.
  --json prints the report as one JSON line.`;

export const PRUNE_OPTIONS = {
  model: { type: 'string' },
  method: { type: 'string' },
  sparsity: { type: 'string' },
  'calib-samples': { type: 'string' },
  'calib-seqlen': { type: 'string' },
  'calib-dataset': { type: 'string' },
  seed: { type: 'string' },
  weighting: { type: 'string' },
  damp: { type: 'string' },
  sequential: { type: 'boolean', default: false },
  allocation: { type: 'string' },
  temperature: { type: 'string' },
  iterations: { type: 'string' },
  rho0: { type: 'string' },
  kappa: { type: 'string' },
  'calib-text': { type: 'string' },
  force: { type: 'boolean', default: false },
  'held-out': { type: 'string' },
  variant: { type: 'string' },
  checkpoint: { type: 'string' },
  trace: { type: 'string' },
  report: { type: 'string' },
  out: { type: 'string' },
  eval: { type: 'string' },
  'max-windows': { type: 'string' },
  tokenizer: { type: 'string' },
} as const;

const ADMM_ONLY = ['allocation', 'temperature', 'iterations', 'rho0', 'kappa', 'checkpoint'] as const;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, PRUNE_OPTIONS);
  const dataDir = values['data-dir'] as string | undefined;
  const method = choice(values, 'method', PRUNE_METHODS);
  const sparsity = num(values, 'sparsity', NaN, { min: 0, max: 0.99 });
  if (Number.isNaN(sparsity)) throw new UsageError('--sparsity is required (0 ≤ s < 1)');
  onlyWith(values, ADMM_ONLY, method === 'structprune', 'to --method structprune');
  if (values['calib-text'] !== undefined && values['calib-dataset'] !== undefined) throw new UsageError('give --calib-dataset or --calib-text, not both');
  const evals = values.eval ? String(values.eval).split(',') : [];
  for (const e of evals) if (!CORPUS_NAMES.includes(e as CorpusName)) throw new UsageError(`--eval: unknown dataset "${e}" (${CORPUS_NAMES.join('|')})`);
  const maxWin = maxWindows(values);
  const calibText = values['calib-text'] === undefined ? undefined : readTextFile(String(values['calib-text']));
  // Every output path is checked before the model is even read, and again against the resolved inputs.
  const modelSpec = str(values, 'model', DEFAULT_MODEL);
  const inputs = [fs.existsSync(modelSpec) ? modelSpec : undefined, values.tokenizer as string | undefined, values['calib-text'] as string | undefined];
  const force = !!values.force;
  const files = { trace: values.trace as string | undefined, report: values.report as string | undefined };
  if (files.trace && files.report && path.resolve(files.trace) === path.resolve(files.report)) throw new UsageError('--trace and --report name the same file');
  const checkFiles = (extra: (string | undefined)[]) => {
    for (const [flag, f] of Object.entries(files))
      if (f) checkFlag(flag, () => checkOutputFile(f, { force, inputs: [...inputs, ...extra, values.out as string | undefined] }));
  };
  checkFiles([]);
  const loaded = await loadModel(modelSpec, { dataDir, tokenizer: values.tokenizer as string | undefined });
  const ts = loaded.tokenizerSource;
  checkFiles([loaded.model.source.path, ts?.kind === 'llama2c' ? ts.file : undefined]);
  let lock: OutputLock | undefined;
  if (values.out) {
    const out = String(values.out);
    checkFlag('out', () => checkPrunedOutput(out, loaded));
    lock = checkFlag('out', () => acquireOutputLock(out));
  }
  try {
    return await runPrune(values, { dataDir, method, sparsity, evals, maxWin, calibText, loaded, lock, force });
  } finally {
    lock?.release();
  }
}

type Values = ReturnType<typeof parse>['values'];
interface Checked {
  dataDir?: string;
  method: (typeof PRUNE_METHODS)[number];
  sparsity: number;
  evals: string[];
  maxWin?: number;
  calibText?: ReturnType<typeof readTextFile>;
  loaded: Awaited<ReturnType<typeof loadModel>>;
  lock?: OutputLock;
  force: boolean;
}

async function runPrune(values: Values, c: Checked): Promise<number> {
  const { dataDir, method, sparsity, evals, loaded } = c;
  const calib = await calibrationWindows(
    loaded,
    {
      corpus: values['calib-dataset'] === undefined ? undefined : choice(values, 'calib-dataset', CORPUS_NAMES),
      text: c.calibText,
      samples: num(values, 'calib-samples', CALIBRATION_DEFAULTS.samples, { min: 1, int: true }),
      seqlen: num(values, 'calib-seqlen', CALIBRATION_DEFAULTS.seqlen, { min: 2, max: loaded.model.config.maxSeq, int: true }),
      seed: num(values, 'seed', CALIBRATION_DEFAULTS.seed, { int: true }),
    },
    { dataDir },
  );
  const heldOutN = num(values, 'held-out', Math.min(HELD_OUT_SAMPLES, calib.samples), { min: 0, int: true });
  // only structprune measures on held-out windows (temperature search, probe); drawn from the calibration's own ids
  const heldOut = heldOutN > 0 && method === 'structprune' ? heldOutFromIds(calib.ids, calib, heldOutN) : undefined;
  const bar = progress(!values.json);
  const trace = values.trace ? String(values.trace) : null;
  if (trace) {
    fs.mkdirSync(path.dirname(path.resolve(trace)), { recursive: true });
    fs.writeFileSync(trace, '');
  }
  const reports: AdmmReport[] = [];
  const result = await prune(loaded.model, {
    method,
    sparsity,
    windows: calib.windows,
    heldOut,
    allocationVariant: values.variant === undefined ? undefined : choice(values, 'variant', ALLOCATION_VARIANTS),
    weighting: values.weighting === undefined ? undefined : choice(values, 'weighting', MODULE_WEIGHTINGS),
    ...(values.temperature !== undefined ? { temperatureSearch: false } : {}),
    damp: num(values, 'damp', PRUNE_DEFAULTS.damp, { min: 0 }),
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
      if (!values.json && cliIO.current.errIsTTY) {
        bar.done();
        cliIO.current.err(
          `iter ${String(r.iteration).padStart(2)}  rho ${r.rho.toPrecision(3).padStart(8)}  primal ${r.primalResidual.toExponential(2)}  obj ${r.objective.toExponential(3)}  sparsity ${r.sparsity.toFixed(3)}  flips ${r.flipped}\n`,
        );
      }
    },
  });
  bar.done();
  const perplexity: Record<string, number> = {};
  const evalSeconds: Record<string, number> = {};
  for (const d of evals) {
    const r = await evaluate({ ...loaded, model: result.model }, d as CorpusName, {
      dataDir,
      maxWindows: c.maxWin,
      onProgress: (a, b) => bar.update(`eval ${d}`, a, b),
    });
    bar.done();
    perplexity[d] = r.ppl;
    evalSeconds[d] = r.seconds;
  }
  const report = {
    ...result.report,
    model: loaded.model.source.name,
    seed: calib.seed,
    calibration: { ...result.report.calibration, corpus: calib.corpus },
    perplexity,
    evalSeconds,
    out: values.out ?? null,
  };
  if (values.out) savePruned({ ...loaded, model: result.model }, String(values.out), { report, lock: c.lock });
  if (values.report) writeHtmlReport(String(values.report), { report, trace: reports }, { force: c.force });
  emit(!!values.json, report, () =>
    [
      `${method} at sparsity ${sparsity}: removed ${(report.sparsity * 100).toFixed(1)} % of unit cost, ${(report.paramSparsity * 100).toFixed(1)} % of prunable parameters; ${report.params.dense} → ${report.params.pruned} parameters in ${report.seconds.total.toFixed(1)} s`,
      report.admm ? `ADMM: ${report.admm.iterations} iterations, ${report.admm.converged ? 'converged' : 'stopped at the iteration limit'}` : '',
      report.temperatureSearch
        ? `temperature (held-out loss): ${report.temperatureSearch.grid.map((t, i) => `T=${t === Infinity ? '∞' : t} ${report.temperatureSearch!.heldOutLoss[i].toFixed(4)}`).join(', ')}; chose T=${report.temperatureSearch.chosen === Infinity ? '∞ (uniform counts)' : report.temperatureSearch.chosen}`
        : '',
      ...Object.entries(perplexity).map(([d, p]) => `perplexity on ${d}: ${p.toFixed(4)}`),
      table(
        ['module', 'units', 'removed', 'sparsity'],
        report.perModule.map((m) => [m.id, m.units, m.removed, m.sparsity.toFixed(3)]),
      ),
      values.out ? `saved to ${values.out}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
  );
  return 0;
}

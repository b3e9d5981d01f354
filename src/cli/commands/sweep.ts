import { parse, num, numList, str, choice, maxWindows } from '../args';
import { CALIBRATION_DEFAULTS } from '../../data/calibrationWindows';
import { emit, table } from '../output';
import { progress } from '../progress';
import { loadModel, DEFAULT_MODEL } from '../../model/load';
import { sweep, parseSweepMethod, SweepRow } from '../../experiments/sweep';
import { CORPUS_NAMES } from '../../data/corpora';

export const usage = `structprune sweep [--model stories260K|FILE|DIR] [--methods local,global-threshold,structprune,structprune:softmax,…]
    [--sparsities 0.1,0.2,0.3,0.4,0.5] [--dataset tinystories-val] [--max-windows N (0 = all)] [--calib-samples ${CALIBRATION_DEFAULTS.samples}]
    [--calib-seqlen ${CALIBRATION_DEFAULTS.seqlen}] [--seed ${CALIBRATION_DEFAULTS.seed}] [--sequential] [--temperature 1] [--json]
  Prune with every method at every sparsity and evaluate perplexity; prints a table (or JSON rows).`;

export function rowsTable(rows: SweepRow[]): string {
  return table(
    ['method', 'target', 'achieved', 'params', 'ppl', 'iters', 'prune s', 'eval s'],
    rows.map((r) => [
      r.label,
      r.sparsity.toFixed(2),
      r.achieved.toFixed(3),
      r.params,
      r.ppl.toFixed(3),
      r.iterations ?? '',
      r.pruneSeconds.toFixed(1),
      r.evalSeconds.toFixed(1),
    ]),
  );
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    model: { type: 'string' },
    methods: { type: 'string' },
    sparsities: { type: 'string' },
    dataset: { type: 'string' },
    'max-windows': { type: 'string' },
    'calib-samples': { type: 'string' },
    'calib-seqlen': { type: 'string' },
    seed: { type: 'string' },
    sequential: { type: 'boolean', default: false },
    temperature: { type: 'string' },
  });
  const dataDir = values['data-dir'] as string | undefined;
  const methods = str(values, 'methods', 'local,global-threshold,structprune').split(',').map(parseSweepMethod);
  const sparsities = numList(values, 'sparsities', '0.1,0.2,0.3,0.4,0.5', { min: 0, max: 0.99 });
  const maxWin = maxWindows(values);
  const loaded = await loadModel(str(values, 'model', DEFAULT_MODEL), { dataDir });
  const bar = progress(!values.json);
  const rows = await sweep(loaded, {
    dataDir,
    methods,
    sparsities,
    dataset: choice(values, 'dataset', CORPUS_NAMES, 'tinystories-val'),
    maxWindows: maxWin,
    calibration: {
      samples: num(values, 'calib-samples', CALIBRATION_DEFAULTS.samples, { min: 1, int: true }),
      seqlen: num(values, 'calib-seqlen', CALIBRATION_DEFAULTS.seqlen, { min: 2, int: true }),
      seed: num(values, 'seed', CALIBRATION_DEFAULTS.seed, { int: true }),
    },
    sequential: !!values.sequential,
    temperature: values.temperature === undefined ? undefined : num(values, 'temperature', 1, { min: 1e-9 }),
    onProgress: (s, d, t) => bar.update(s, d, t),
    onRow: () => bar.done(),
  });
  bar.done();
  emit(!!values.json, { rows }, () => rowsTable(rows));
  return 0;
}

import { parse, num, maxWindows } from '../args';
import { CALIBRATION_DEFAULTS } from '../../data/calibrationWindows';
import { emit, cliIO } from '../output';
import { progress } from '../progress';
import { fetchData } from '../../data/fetch';
import { loadModel, DEFAULT_MODEL } from '../../model/load';
import { sweep } from '../../experiments/sweep';
import { rowsTable } from './sweep';

export const usage = `structprune demo [--sparsity 0.3] [--max-windows N] [--from URL_OR_DIR] [--json]
  The main job on the embedded default: make sure the data is present (fetching what is missing), prune
  stories260K with StructPrune (the default: loss-aware Fermi–Dirac, T chosen on held-out windows; and the
  threshold and uniform allocations), evaluate against the dense
  model and the local baseline on TinyStories validation, and print the table. --from fetches missing data
  from a mirror URL or a folder laid out like the data directory.
  Default: the first 128 windows of 512 tokens (≈65k tokens); --max-windows 0 evaluates all ≈768.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { sparsity: { type: 'string' }, 'max-windows': { type: 'string' }, from: { type: 'string' } });
  const dataDir = values['data-dir'] as string | undefined;
  const sparsity = num(values, 'sparsity', 0.3, { min: 0, max: 0.95 });
  const maxWin = maxWindows(values, 128);
  const log = (s: string) => !values.json && cliIO.current.err(s + '\n');
  const files = await fetchData({ dataDir, from: values.from as string | undefined, ids: ['stories260K', 'tok512', 'tinystories-val', 'tinystories-train'] });
  log(`data: ${files.map((f) => `${f.id} ${f.status}`).join(', ')}`);
  const loaded = await loadModel(DEFAULT_MODEL, { dataDir });
  log(
    `pruning ${DEFAULT_MODEL} to sparsity ${sparsity} with local and StructPrune (${CALIBRATION_DEFAULTS.samples} × ${CALIBRATION_DEFAULTS.seqlen} calibration tokens, seed ${CALIBRATION_DEFAULTS.seed}), evaluating on tinystories-val`,
  );
  const bar = progress(!values.json);
  const rows = await sweep(loaded, {
    dataDir,
    dataset: 'tinystories-val',
    sparsities: [sparsity],
    methods: [
      { label: 'local', method: 'local' },
      { label: 'structprune', method: 'structprune' },
      { label: 'structprune:threshold', method: 'structprune', allocation: 'threshold' },
      { label: 'structprune:uniform', method: 'structprune', allocation: 'uniform' },
    ],
    maxWindows: maxWin,
    onProgress: (s, d, t) => bar.update(s, d, t),
    onRow: () => bar.done(),
  });
  bar.done();
  emit(!!values.json, { rows }, () => rowsTable(rows));
  return 0;
}

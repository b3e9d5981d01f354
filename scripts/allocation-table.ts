// The allocation ablation table of issue 12 / README "Allocation": every method × sparsity × seed on
// stories260K, perplexity on TinyStories-val (first --max-windows windows) and, at --extra-sparsity, on
// WikiText-2 and PTB. Writes <out>.json (every row) and <out>.md (mean ± sd over seeds).
//
//   node --import tsx scripts/allocation-table.ts [--methods LIST] [--sparsities 0.3,0.4,0.5] [--seeds 0,1,2]
//     [--max-windows 128] [--extra-sparsity 0.4] [--extra wikitext2,ptb] [--calib-samples 64] [--calib-seqlen 256]
//     [--out results/allocation-table]
//
// A method label is `method[:allocation][/weighting][@T]`, e.g. `local`, `global:taylor`, `structprune:softmax`,
// `structprune:fermi-dirac/relative@2`; `structprune` alone is the library default (PRUNE_DEFAULTS of prune.ts).
// Per seed the calibration statistics and output sensitivities are computed once and shared by all methods.
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { initBackend } from '../src/backend';
import { loadModel } from '../src/model/load';
import { prune, PruneOptions, PruneMethod, PRUNE_METHODS } from '../src/prune/prune';
import { ModuleWeighting, MODULE_WEIGHTINGS } from '../src/prune/moduleProblems';
import { AdmmAllocation } from '../src/prune/admm/problem';
import { calibrationWindows } from '../src/data/calibrationWindows';
import { heldOutWindows } from '../src/data/heldOutWindows';
import { corpusIds } from '../src/data/corpusIds';
import { CorpusName } from '../src/data/corpora';
import { perplexity } from '../src/eval/perplexity';
import { CalibrationStats } from '../src/prune/stats';
import { OutputGradients } from '../src/prune/blockBackward';
import { ALLOCATION_VARIANTS, AllocationVariant } from '../src/prune/allocationVariants';

export const DEFAULT_METHODS = [
  'local',
  'global-threshold',
  'global',
  'global:taylor',
  'structprune',
  'structprune:threshold',
  'structprune:softmax',
  'structprune:uniform',
  'structprune:threshold/relative',
];

export interface MethodSpec {
  label: string;
  method: PruneMethod;
  allocation?: AdmmAllocation;
  weighting?: ModuleWeighting;
  temperature?: number | 'auto';
  variant?: AllocationVariant;
}

export function parseMethod(label: string): MethodSpec {
  const m = /^([a-z-]+(?::taylor)?)(?::([a-z-]+))?(?:\/([a-z]+))?(?:@([0-9.]+|auto))?(?:\+([a-z]+))?$/.exec(label);
  if (!m) throw new Error(`method label "${label}": expected method[:allocation][/weighting][@T][+variant]`);
  const [, method, allocation, weighting, T, variant] = m;
  if (variant && !ALLOCATION_VARIANTS.includes(variant as AllocationVariant)) throw new Error(`method label "${label}": unknown variant ${variant}`);
  if (!(PRUNE_METHODS as readonly string[]).includes(method)) throw new Error(`method label "${label}": unknown method ${method}`);
  if (weighting && !MODULE_WEIGHTINGS.includes(weighting as ModuleWeighting)) throw new Error(`method label "${label}": unknown weighting ${weighting}`);
  return {
    label,
    method: method as PruneMethod,
    allocation: allocation as AdmmAllocation | undefined,
    weighting: weighting as ModuleWeighting | undefined,
    temperature: T === undefined ? undefined : T === 'auto' ? 'auto' : Number(T),
    variant: variant as AllocationVariant | undefined,
  };
}

export interface TableRow {
  label: string;
  seed: number;
  sparsity: number;
  dataset: CorpusName;
  ppl: number;
  achieved: number;
  pruneSeconds: number;
  temperature?: number;
  heldOutLoss?: number[];
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));

export function markdown(rows: TableRow[], cols: { dataset: CorpusName; sparsity: number }[], labels: string[]): string {
  const head = `| method | ${cols.map((c) => `${c.dataset} s = ${c.sparsity}`).join(' | ')} |`;
  const lines = [head, `|---|${cols.map(() => '---').join('|')}|`];
  for (const l of labels) {
    const cells = cols.map((c) => {
      const v = rows.filter((r) => r.label === l && r.dataset === c.dataset && r.sparsity === c.sparsity).map((r) => r.ppl);
      return v.length ? `${mean(v).toFixed(2)} ± ${sd(v).toFixed(2)}` : '';
    });
    lines.push(`| ${l} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      methods: { type: 'string' },
      sparsities: { type: 'string' },
      seeds: { type: 'string' },
      'max-windows': { type: 'string' },
      'extra-sparsity': { type: 'string' },
      extra: { type: 'string' },
      'calib-samples': { type: 'string' },
      'calib-seqlen': { type: 'string' },
      out: { type: 'string' },
      model: { type: 'string' },
      merge: { type: 'string' },
    },
  });
  if (values.merge) {
    // Combine the JSON files of runs split by seed or method into one table.
    const parts = values.merge
      .split(',')
      .map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as { settings: { sparsities: number[]; extraSparsity: number; seeds: number[] }; rows: TableRow[] });
    const rows = parts.flatMap((p) => p.rows);
    const labels = [...new Set(rows.map((r) => r.label))];
    const sps = [...new Set(rows.filter((r) => r.dataset === 'tinystories-val').map((r) => r.sparsity))].sort();
    const extras = [...new Set(rows.filter((r) => r.dataset !== 'tinystories-val').map((r) => `${r.dataset}@${r.sparsity}`))];
    const cols = [
      ...sps.map((sp) => ({ dataset: 'tinystories-val' as CorpusName, sparsity: sp })),
      ...extras.map((e) => ({ dataset: e.split('@')[0] as CorpusName, sparsity: Number(e.split('@')[1]) })),
    ];
    const out = values.out ?? 'results/allocation-table';
    const seeds = [...new Set(rows.map((r) => r.seed))].sort();
    fs.writeFileSync(`${out}.json`, JSON.stringify({ settings: { ...parts[0].settings, seeds }, rows }, null, 1));
    const text = `${markdown(rows, cols, labels)}\n\nPerplexity, mean ± sd over the seeds present (${seeds.join(', ')}; counts per cell in ${out}.json).\n`;
    fs.writeFileSync(`${out}.md`, text);
    console.log(text);
    return;
  }
  await initBackend();
  const methods = (values.methods ?? DEFAULT_METHODS.join(',')).split(',').map(parseMethod);
  const sparsities = (values.sparsities ?? '0.3,0.4,0.5').split(',').map(Number);
  const seeds = (values.seeds ?? '0,1,2').split(',').map(Number);
  const maxWindows = values['max-windows'] === undefined ? 128 : Number(values['max-windows']) || undefined; // 0 = all
  const extraS = Number(values['extra-sparsity'] ?? 0.4);
  const extra = (values.extra ?? 'wikitext2,ptb').split(',').filter(Boolean) as CorpusName[];
  const out = values.out ?? 'results/allocation-table';
  const loaded = await loadModel(values.model ?? 'stories260K');
  const evalSets: CorpusName[] = ['tinystories-val', ...extra];
  const ids = new Map<CorpusName, number[]>();
  for (const d of evalSets) ids.set(d, await corpusIds(loaded.codec, d));
  const rows: TableRow[] = [];
  fs.mkdirSync(path.dirname(out) || '.', { recursive: true });
  const cols = [...sparsities.map((s) => ({ dataset: 'tinystories-val' as CorpusName, sparsity: s })), ...extra.map((d) => ({ dataset: d, sparsity: extraS }))];
  const write = () => {
    const settings = {
      model: loaded.model.source.name,
      sparsities,
      seeds,
      maxWindows: maxWindows ?? 'all',
      extraSparsity: extraS,
      calibration: { samples: Number(values['calib-samples'] ?? 64), seqlen: Number(values['calib-seqlen'] ?? 256) },
    };
    fs.writeFileSync(`${out}.json`, JSON.stringify({ settings, rows }, null, 1));
    fs.writeFileSync(
      `${out}.md`,
      `${markdown(
        rows,
        cols,
        methods.map((m) => m.label),
      )}\n\nPerplexity, mean ± sd over seeds ${seeds.join(', ')}; ${settings.calibration.samples} × ${settings.calibration.seqlen} calibration tokens; evaluation on ${maxWindows ? `the first ${maxWindows}` : 'all'} windows of each set.\n`,
    );
  };
  for (const seed of seeds) {
    const calib = await calibrationWindows(loaded, { samples: Number(values['calib-samples'] ?? 64), seqlen: Number(values['calib-seqlen'] ?? 256), seed });
    // Held-out windows for the temperature search (`@auto`): the calibration corpus, another seed.
    const heldOut = await heldOutWindows(loaded, { seqlen: Number(values['calib-seqlen'] ?? 256), seed });
    let stats: CalibrationStats | undefined;
    let sensitivity: OutputGradients | undefined;
    for (const s of new Set([...sparsities, ...(extra.length ? [extraS] : [])])) {
      for (const m of methods) {
        const opts: PruneOptions = {
          method: m.method,
          sparsity: s,
          windows: calib.windows,
          stats,
          sensitivity,
          ...(m.weighting ? { weighting: m.weighting } : {}),
          heldOut,
          ...(m.temperature === 'auto' ? { temperatureSearch: true } : typeof m.temperature === 'number' ? { temperatureSearch: false } : {}),
          ...(m.variant ? { allocationVariant: m.variant } : {}),
          admm: { ...(m.allocation ? { allocation: m.allocation } : {}), ...(typeof m.temperature === 'number' ? { temperature: m.temperature } : {}) },
        };
        const r = await prune(loaded.model, opts);
        stats = r.stats;
        sensitivity ??= r.sensitivity;
        const sets = evalSets.filter((d) => (d === 'tinystories-val' ? sparsities.includes(s) : s === extraS));
        for (const d of sets) {
          const p = await perplexity(r.model, ids.get(d)!, { maxWindows });
          const row: TableRow = {
            label: m.label,
            seed,
            sparsity: s,
            dataset: d,
            ppl: p.ppl,
            achieved: r.report.sparsity,
            pruneSeconds: r.report.seconds.total,
            temperature: r.report.options.admm?.temperature,
            heldOutLoss: r.report.temperatureSearch?.heldOutLoss,
          };
          rows.push(row);
          console.log(JSON.stringify(row));
        }
        write();
      }
    }
  }
  console.log(fs.readFileSync(`${out}.md`, 'utf8'));
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

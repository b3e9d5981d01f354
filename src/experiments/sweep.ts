// Methods × sparsities on one model: prune each, evaluate perplexity, return plain records (the data
// behind the README tables and notebook 05).
import { LoadedModel } from '../model/codec';
import { prune, PruneMethod } from '../prune/prune';
import { AdmmAllocation } from '../prune/admm/problem';
import { calibrationWindows, CalibrationSpec } from '../data/calibrationWindows';
import { heldOutFromIds } from '../data/heldOutWindows';
import { corpusIds } from '../data/corpusIds';
import { perplexity } from '../eval/perplexity';
import { CorpusName } from '../data/corpora';
import { DataDirOptions } from '../data/datadir';
import { countParams } from '../model/hostTensor';
import { UsageError } from '../errors';

/** `local`, `global-threshold`, `global`, `global:taylor`, `structprune` (its default allocation) or `structprune:<allocation>`. */
export interface SweepMethod {
  label: string;
  method: PruneMethod;
  allocation?: AdmmAllocation;
}

export function parseSweepMethod(s: string): SweepMethod {
  if (s === 'global:taylor') return { label: s, method: 'global:taylor' };
  const [method, allocation] = s.split(':');
  const methods: string[] = ['local', 'global-threshold', 'structprune', 'global', 'global:taylor'];
  if (!methods.includes(method)) throw new UsageError(`unknown method "${method}" (${methods.join('|')}, or structprune:<allocation>)`);
  if (allocation && method !== 'structprune') throw new UsageError(`only structprune takes an allocation ("${s}")`);
  return { label: s, method: method as PruneMethod, allocation: allocation as AdmmAllocation | undefined };
}

export interface SweepRow {
  label: string;
  sparsity: number;
  /** Achieved share of unit cost removed. */
  achieved: number;
  paramSparsity: number;
  params: number;
  ppl: number;
  iterations: number | null;
  pruneSeconds: number;
  evalSeconds: number;
}

export interface SweepOptions extends DataDirOptions {
  methods: SweepMethod[];
  sparsities: number[];
  dataset: CorpusName;
  calibration?: CalibrationSpec;
  maxWindows?: number;
  sequential?: boolean;
  temperature?: number;
  /** Include the dense model as a row (default true). */
  dense?: boolean;
  onRow?: (r: SweepRow) => void;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export async function sweep(loaded: LoadedModel, opts: SweepOptions): Promise<SweepRow[]> {
  const ids = await corpusIds(loaded.codec, opts.dataset, opts);
  const calib = await calibrationWindows(loaded, opts.calibration, opts);
  const heldOut = heldOutFromIds(calib.ids, calib);
  const rows: SweepRow[] = [];
  const add = (r: SweepRow) => {
    rows.push(r);
    opts.onRow?.(r);
  };
  const ev = async (model: LoadedModel['model'], label: string) =>
    perplexity(model, ids, { maxWindows: opts.maxWindows, onProgress: (d, t) => opts.onProgress?.(`eval ${label}`, d, t) });
  if (opts.dense ?? true) {
    const p = await ev(loaded.model, 'dense');
    add({
      label: 'dense',
      sparsity: 0,
      achieved: 0,
      paramSparsity: 0,
      params: countParams(loaded.model.weights),
      ppl: p.ppl,
      iterations: null,
      pruneSeconds: 0,
      evalSeconds: p.seconds,
    });
  }
  for (const s of opts.sparsities) {
    for (const m of opts.methods) {
      const r = await prune(loaded.model, {
        method: m.method,
        sparsity: s,
        windows: calib.windows,
        sequential: opts.sequential,
        heldOut,
        ...(opts.temperature !== undefined ? { temperatureSearch: false } : {}),
        admm: { allocation: m.allocation, temperature: opts.temperature },
        onProgress: (stage, d, t) => opts.onProgress?.(`${m.label} ${stage}`, d, t),
      });
      const p = await ev(r.model, m.label);
      add({
        label: m.label,
        sparsity: s,
        achieved: r.report.sparsity,
        paramSparsity: r.report.paramSparsity,
        params: r.report.params.pruned,
        ppl: p.ppl,
        iterations: r.report.admm?.iterations ?? null,
        pruneSeconds: r.report.seconds.total,
        evalSeconds: p.seconds,
      });
    }
  }
  return rows;
}

// The `prune` verb: calibration statistics → mask selection (method) → compensation → slicing → report.
import { initBackend } from '../backend';
import { Model } from '../model/model';
import { countParams } from '../model/hostTensor';
import { moduleSpecs, prunableParams, totalUnitCost } from './coupling';
import { collectStats, CalibrationStats } from './stats';
import { buildProblems, ModuleWeighting, ModuleProblem } from './moduleProblems';
import { localMask, globalThresholdMask } from './baselines';
import { finalizePruning } from './finalize';
import { RemovedMask, maskCost } from './slice';
import { AdmmOptions, buildAdmmProblem, allocationCounts, stripUndefined } from './admm/problem';
import { AdmmReport } from './admm/step';
import { admmCheckpoint, fingerprint } from './admm/checkpoint';
import { runAdmm } from './admm/run';
import { UsageError } from '../errors';
import { PRUNE_DEFAULTS, STRUCTPRUNE_DEFAULTS } from './defaults';
import { assertFinite } from '../model/finite';
import { globalMask } from './global';
import { globalFisherMask } from './globalFisher';
import { selectTemperature } from './temperature';
import { AllocationVariant, kindEnergies, owlCounts, probeEnergies } from './allocationVariants';
import { blockwiseOutputGradients, OutputGradients } from './blockBackward';
import { startMemoryMeter, MemoryMeter, MemoryUsage } from '../util/memoryMeter';

export const PRUNE_METHODS = ['local', 'global-threshold', 'global', 'global:taylor', 'structprune'] as const;
export type PruneMethod = (typeof PRUNE_METHODS)[number];

export { STRUCTPRUNE_DEFAULTS } from './defaults';

export interface PruneOptions {
  method: PruneMethod;
  /** Target sparsity s ∈ [0, 1): removed unit cost / total unit cost. */
  sparsity: number;
  /** Calibration windows (token ids), all the same length. */
  windows: number[][];
  /** Module weights w_m (default STRUCTPRUNE_DEFAULTS.weighting = "loss" for structprune, PRUNE_DEFAULTS.weighting = "relative" otherwise); "loss" runs the block-wise backward. */
  weighting?: ModuleWeighting;
  /** Relative damping δ = damp · mean(diag H) (default PRUNE_DEFAULTS.damp = 0.01). */
  damp?: number;
  /** Sequential refit of the compensation from the pruned prefix (default false). */
  sequential?: boolean;
  /** Calibration statistics of these windows from an earlier call (`PruneResult.stats`), to skip recomputing them. */
  stats?: CalibrationStats;
  /** Output sensitivities of these windows from an earlier call (`PruneResult.sensitivity`), for the "loss" weighting. */
  sensitivity?: OutputGradients;
  /**
   * Choose the temperature of the softmax / Fermi–Dirac allocation on `heldOut` (method "structprune"; see
   * temperature.ts; `admm.temperature` is then ignored). Default: on when `heldOut` is given.
   */
  temperatureSearch?: boolean | { grid?: readonly number[] };
  /** Held-out windows (the calibration corpus, apart from `windows`) for the temperature search and the `probe` variant. */
  heldOut?: number[][];
  /** Another allocation signal for "structprune" (allocationVariants.ts): `kinds` and `probe` replace the energies
   * of the softmax / Fermi–Dirac rules, `owl` replaces the counts (any rule but threshold). */
  allocationVariant?: AllocationVariant;
  /** StructPrune options (method "structprune"). */
  admm?: AdmmOptions;
  /** Directory to checkpoint the ADMM state after every iteration and resume from (method "structprune"). */
  checkpoint?: string;
  /** Identifies the run for the checkpoint (model, calibration); sparsity and options are added. */
  runId?: unknown;
  /** Per-iteration ADMM reports. */
  onReport?: (r: AdmmReport) => void;
  /** Progress of long stages. */
  onProgress?: (stage: 'stats' | 'sensitivity' | 'admm-setup' | 'taylor' | 'fisher' | 'finalize', done: number, total: number) => void;
}

export interface PruneReport {
  method: PruneMethod;
  targetSparsity: number;
  /** Removed unit cost / total unit cost (the budgeted quantity). */
  sparsity: number;
  /** 1 − prunable parameters after / before (includes K/V heads of GQA groups removed entirely). */
  paramSparsity: number;
  params: { dense: number; pruned: number; densePrunable: number; prunedPrunable: number };
  perModule: { id: string; units: number; removed: number; sparsity: number }[];
  options: { weighting: ModuleWeighting; damp: number; sequential: boolean; admm?: Required<AdmmOptions> };
  calibration: { samples: number; seqlen: number; tokens: number };
  admm?: { iterations: number; converged: boolean; finalReport: AdmmReport };
  /** The temperature search, when one ran (Infinity is reported as null in JSON: uniform). */
  temperatureSearch?: { grid: number[]; heldOutLoss: number[]; chosen: number };
  /**
   * Wall time per phase: stats (calibration Grams), problems (per-module problems from the Grams), select (mask
   * selection, all of it), finalize (compensation + slicing), total; for structprune also the parts of select:
   * eigendecompositions (scaling, eigh and G per module) and admm (the iterations).
   */
  seconds: { stats: number; problems?: number; select: number; finalize: number; total: number; eigendecompositions?: number; admm?: number };
  /** Memory meter over the whole call (src/util/memory.ts): peak live tensor bytes, wasm heap, process maxRSS. */
  memory: MemoryUsage;
}

export interface PruneResult {
  model: Model;
  mask: RemovedMask;
  report: PruneReport;
  stats: CalibrationStats;
  /** Output sensitivities ("loss" weighting). */
  sensitivity?: OutputGradients;
}

function validate(model: Model, o: PruneOptions): void {
  if (!PRUNE_METHODS.includes(o.method)) throw new UsageError(`method must be one of ${PRUNE_METHODS.join('|')}, got "${o.method}"`);
  if (!(o.sparsity >= 0 && o.sparsity < 1)) throw new UsageError(`sparsity must be in [0, 1), got ${o.sparsity}`);
  if (!o.windows?.length) throw new UsageError('no calibration windows');
  if (o.windows.some((w) => w.length !== o.windows[0].length || w.length > model.config.maxSeq)) {
    throw new UsageError(`calibration windows must share one length ≤ the context length ${model.config.maxSeq}`);
  }
}

const since = (t: number) => (performance.now() - t) / 1000;

/** Prune a model; returns the sliced model, the mask and a report (host data only). */
export async function prune(model: Model, opts: PruneOptions): Promise<PruneResult> {
  await initBackend();
  validate(model, opts);
  const meter = startMemoryMeter();
  try {
    return await pruneMetered(model, opts, meter);
  } finally {
    meter.stop();
  }
}

async function pruneMetered(model: Model, opts: PruneOptions, meter: MemoryMeter): Promise<PruneResult> {
  const t0 = performance.now();
  const isSp = opts.method === 'structprune';
  const weighting = opts.weighting ?? (isSp ? STRUCTPRUNE_DEFAULTS.weighting : PRUNE_DEFAULTS.weighting);
  const admmOpts: AdmmOptions | undefined = isSp
    ? { allocation: STRUCTPRUNE_DEFAULTS.allocation, temperature: STRUCTPRUNE_DEFAULTS.temperature, ...stripUndefined(opts.admm ?? {}) }
    : opts.admm;
  const search = opts.temperatureSearch ?? (isSp && !!opts.heldOut?.length);
  const damp = opts.damp ?? PRUNE_DEFAULTS.damp;
  const stats = opts.stats ?? (await collectStats(model, opts.windows, { onProgress: (d, t) => opts.onProgress?.('stats', d, t) }));
  for (const g of stats.grams) assertFinite(g.H, g.id, 'Gram matrix H = Σ aaᵀ (activations too large for float64 sums)');
  const tStats = since(t0);
  // The modules, their unit costs and total cost: computed once here and passed down (sensitivities, problems,
  // the global references, temperature search, probe, finalize, slicing, report).
  const specs = moduleSpecs(model.config, model.weights);
  const sensitivity =
    weighting !== 'loss'
      ? undefined
      : (opts.sensitivity ?? (await blockwiseOutputGradients(model, opts.windows, { specs, onProgress: (d, t) => opts.onProgress?.('sensitivity', d, t) })));
  const tp = performance.now();
  const problems: ModuleProblem[] = await buildProblems(model, stats, { weighting, damp, sensitivity, specs });
  const tProblems = since(tp);
  const totalCost = totalUnitCost(specs);
  const budget = opts.sparsity * totalCost;
  const t1 = performance.now();
  let mask: RemovedMask;
  let admm: PruneReport['admm'];
  let admmOptions: Required<AdmmOptions> | undefined;
  let temperatureSearch: PruneReport['temperatureSearch'];
  let tEigh: number | undefined;
  let tAdmm: number | undefined;
  if (opts.method === 'local') mask = localMask(problems, budget);
  else if (opts.method === 'global-threshold') mask = globalThresholdMask(problems, budget);
  else if (opts.method === 'global') mask = await globalFisherMask(model, opts.windows, budget, (d, t) => opts.onProgress?.('fisher', d, t), specs);
  else if (opts.method === 'global:taylor')
    mask = await globalMask(model, opts.windows, budget, { specs, onProgress: (d, t) => opts.onProgress?.('taylor', d, t) });
  else {
    const te = performance.now();
    const problem = await buildAdmmProblem(problems, opts.sparsity, admmOpts, (d, t) => opts.onProgress?.('admm-setup', d, t));
    tEigh = since(te);
    const rule = problem.options.allocation;
    const energyRule = rule === 'softmax' || rule === 'fermi-dirac';
    const variant = opts.allocationVariant;
    if (variant && (variant === 'owl' ? rule === 'threshold' : !energyRule))
      throw new UsageError(
        `allocation variant "${variant}" needs allocation ${variant === 'owl' ? 'softmax, fermi-dirac or uniform' : 'softmax or fermi-dirac'}, got "${rule}"`,
      );
    const needHeldOut = (search && energyRule) || variant === 'probe';
    if (needHeldOut && !opts.heldOut?.length) throw new UsageError('options.heldOut: the temperature search and the probe variant need held-out windows');
    let energies: Float64Array | undefined;
    if (variant === 'kinds') energies = kindEnergies(problem.modules, opts.sparsity);
    else if (variant === 'probe') energies = (await probeEnergies(model, stats, problem.modules, opts.sparsity, opts.heldOut!, damp, specs)).E;
    if (energies) problem.counts = allocationCounts(problem.modules, problem.budget, opts.sparsity, problem.options, energies).counts;
    if (variant === 'owl') problem.counts = owlCounts(problems, problem.budget).counts;
    else if (search && energyRule) {
      const grid = typeof search === 'object' ? search.grid : undefined;
      const r = await selectTemperature(model, stats, problem, { damp, heldOut: opts.heldOut!, grid, energies, specs });
      temperatureSearch = { grid: r.grid, heldOutLoss: r.heldOutLoss, chosen: r.chosen };
    }
    admmOptions = problem.options;
    const ckpt = opts.checkpoint
      ? admmCheckpoint(
          opts.checkpoint,
          fingerprint({
            run: opts.runId ?? null,
            sparsity: opts.sparsity,
            weighting,
            damp,
            admm: problem.options,
            calib: [opts.windows.length, opts.windows[0].length],
          }),
          problem.modules.map((m) => ({ id: m.id, n: m.n, d: m.d })),
        )
      : null;
    const resumed = ckpt?.load() ?? undefined;
    if (resumed) resumed.reports.forEach((r) => opts.onReport?.(r));
    const ta = performance.now();
    const state = await runAdmm(problem, { state: resumed, onReport: opts.onReport, onState: (s) => ckpt?.save(s) });
    tAdmm = since(ta);
    mask = {};
    problem.modules.forEach((m, i) => (mask[m.id] = state.modules[i].removed));
    admm = { iterations: state.iteration, converged: state.converged, finalReport: state.reports[state.reports.length - 1] };
  }
  const tSelect = since(t1);
  const t2 = performance.now();
  const pruned = await finalizePruning(model, stats, mask, {
    damp,
    specs,
    sequential: opts.sequential,
    windows: opts.windows,
    onProgress: (d, t) => opts.onProgress?.('finalize', d, t),
  });
  const tFinal = since(t2);
  const { removedCost, perModule } = maskCost(specs, mask);
  const densePrunable = prunableParams(model.config, model.weights);
  const prunedPrunable = prunableParams(pruned.config, pruned.weights);
  const report: PruneReport = {
    method: opts.method,
    targetSparsity: opts.sparsity,
    sparsity: removedCost / totalCost,
    paramSparsity: 1 - prunedPrunable / densePrunable,
    params: { dense: countParams(model.weights), pruned: countParams(pruned.weights), densePrunable, prunedPrunable },
    perModule: specs.map((s) => ({ id: s.id, ...perModule[s.id] })),
    options: { weighting, damp, sequential: !!opts.sequential, admm: admmOptions },
    calibration: { samples: opts.windows.length, seqlen: opts.windows[0].length, tokens: stats.tokens },
    admm,
    ...(temperatureSearch ? { temperatureSearch } : {}),
    seconds: {
      stats: tStats,
      problems: tProblems,
      select: tSelect,
      finalize: tFinal,
      total: since(t0),
      ...(tEigh === undefined ? {} : { eigendecompositions: tEigh, admm: tAdmm }),
    },
    memory: meter.stop(),
  };
  return { model: pruned, mask, report, stats, sensitivity };
}

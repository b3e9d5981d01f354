// The teaching page's pruning session, browser-safe (no node imports): the model from bytes, calibration
// windows and statistics, the StructPrune ADMM one report at a time, finalize (compensate + slice), the
// report the CLI would write, perplexity and generation. The steps are exactly `prune()`'s for method
// "structprune" (src/prune/prune.ts: collectStats → buildProblems → buildAdmmProblem → init/step while
// shouldContinue → finalizePruning), so that the page's mask and perplexity equal `structprune prune`'s
// for the same calibration seed and windows; prune() itself is not used because it runs the ADMM in one
// call and imports the checkpoint and memory-meter modules, which need node.
import { Model } from '../model/model';
import { TextCodec } from '../model/codec';
import { parseLlama2c } from '../model/llama2cFormat';
import { parseTokenizer, encode, decode } from '../model/tokenizerCore';
import { countParams } from '../model/hostTensor';
import { generate } from '../model/generate';
import { sampleCalibration } from '../data/calibration';
import { collectStats, CalibrationStats } from '../prune/stats';
import { buildProblems, ModuleProblem } from '../prune/moduleProblems';
import { blockwiseOutputGradients } from '../prune/blockBackward';
import { PRUNE_DEFAULTS, STRUCTPRUNE_DEFAULTS } from '../prune/defaults';
import { AdmmOptions, AdmmProblem, buildAdmmProblem } from '../prune/admm/problem';
import { AdmmState, init, step, shouldContinue } from '../prune/admm/step';
import { finalizePruning } from '../prune/finalize';
import { RemovedMask, maskCost } from '../prune/slice';
import { moduleSpecs, prunableParams, totalUnitCost } from '../prune/coupling';
import { perplexity, PerplexityResult } from '../eval/perplexity';

/** `prune()`'s defaults for method "structprune" (src/prune/defaults.ts), which the page shares. */
export const PAGE_PRUNE_DEFAULTS = { weighting: STRUCTPRUNE_DEFAULTS.weighting, damp: PRUNE_DEFAULTS.damp, sequential: PRUNE_DEFAULTS.sequential } as const;

export interface PageModel {
  model: Model;
  codec: TextCodec;
  /** tokenizer.bin bytes (copied into the saved model). */
  tokenizerBin: Uint8Array;
}

/** A llama2.c checkpoint and tokenizer from bytes (as `loadModel('stories260K')` reads them from disk). */
export function pageModel(modelBin: Uint8Array, tokenizerBin: Uint8Array, source: { name: string; sha256?: string }): PageModel {
  const { config, weights } = parseLlama2c(modelBin, source.name);
  const tok = parseTokenizer(tokenizerBin, config.vocabSize, 'tokenizer.bin');
  const codec: TextCodec = { encode: (t, o) => encode(tok, t, { bos: o?.bos ?? true }), decode: (ids) => decode(tok, ids), bosId: tok.bosId, eosId: tok.eosId };
  return { model: { config, weights, source: { name: source.name, sha256: source.sha256, format: 'llama2c' } }, codec, tokenizerBin };
}

export interface CalibrationSettings {
  /** Windows drawn (the CLI's --calib-samples). */
  samples: number;
  /** Tokens per window (--calib-seqlen). */
  seqlen: number;
  /** Seed of the draw (--seed). */
  seed: number;
}

export interface Calibration extends CalibrationSettings {
  corpus: string;
  windows: number[][];
  stats: CalibrationStats;
  problems: ModuleProblem[];
  seconds: number;
}

/** Windows from the calibration corpus ids (as calibrationWindows), their statistics and the module problems. */
export async function calibrate(
  pm: PageModel,
  corpusIds: readonly number[],
  corpus: string,
  s: CalibrationSettings,
  onProgress?: (done: number, total: number) => void,
): Promise<Calibration> {
  const t0 = performance.now();
  const windows = sampleCalibration(corpusIds as number[], { nSamples: s.samples, seqlen: s.seqlen, seed: s.seed });
  const stats = await collectStats(pm.model, windows, { onProgress });
  // Loss-aware module weights, as prune(): the block-wise backward (one block resident) on the same windows.
  const sensitivity = await blockwiseOutputGradients(pm.model, windows, { onProgress });
  const problems = await buildProblems(pm.model, stats, { weighting: PAGE_PRUNE_DEFAULTS.weighting, damp: PAGE_PRUNE_DEFAULTS.damp, sensitivity });
  return { ...s, corpus, windows, stats, problems, seconds: (performance.now() - t0) / 1000 };
}

/** The ADMM problem at sparsity s with the given options (allocation, temperature, …). */
export async function admmProblem(
  cal: Calibration,
  sparsity: number,
  options: AdmmOptions,
  onProgress?: (done: number, total: number) => void,
): Promise<AdmmProblem> {
  return await buildAdmmProblem(cal.problems, sparsity, options, onProgress);
}

/**
 * One more ADMM report: the initial projection when `state` is null, else one iteration. Returns null
 * when the stopping rule says the run is over.
 */
export async function advance(problem: AdmmProblem, state: AdmmState | null): Promise<AdmmState | null> {
  if (!state) return await init(problem);
  if (!(await shouldContinue(problem, state))) return null;
  return await step(problem, state);
}

/** Whether another `advance` would run an iteration. */
export async function running(problem: AdmmProblem, state: AdmmState | null): Promise<boolean> {
  return !state || (await shouldContinue(problem, state));
}

/** The removed units of every module at `state`, indexed like each module's spec.units. */
export function stateMask(problem: AdmmProblem, state: AdmmState): RemovedMask {
  const mask: RemovedMask = {};
  problem.modules.forEach((m, i) => (mask[m.id] = state.modules[i].removed));
  return mask;
}

export interface PagePruneResult {
  model: Model;
  mask: RemovedMask;
  /** The PruneReport fields the CLI writes to report.json (memory is not measured in the browser: null). */
  report: Record<string, unknown> & {
    sparsity: number;
    paramSparsity: number;
    params: { dense: number; pruned: number; densePrunable: number; prunedPrunable: number };
  };
}

/** Compensate and slice at `state`'s mask; the report as prune() + the CLI build it. */
export async function finalizeSession(
  pm: PageModel,
  cal: Calibration,
  problem: AdmmProblem,
  state: AdmmState,
  seconds: { select: number },
  onProgress?: (done: number, total: number) => void,
): Promise<PagePruneResult> {
  const t0 = performance.now();
  const mask = stateMask(problem, state);
  const pruned = await finalizePruning(pm.model, cal.stats, mask, {
    damp: PAGE_PRUNE_DEFAULTS.damp,
    sequential: PAGE_PRUNE_DEFAULTS.sequential,
    windows: cal.windows,
    onProgress,
  });
  const tFinal = (performance.now() - t0) / 1000;
  const specs = moduleSpecs(pm.model.config, pm.model.weights);
  const { removedCost, perModule } = maskCost(specs, mask);
  const densePrunable = prunableParams(pm.model.config, pm.model.weights);
  const prunedPrunable = prunableParams(pruned.config, pruned.weights);
  const report = {
    method: 'structprune',
    targetSparsity: problem.sparsity,
    sparsity: removedCost / totalUnitCost(specs),
    paramSparsity: 1 - prunedPrunable / densePrunable,
    params: { dense: countParams(pm.model.weights), pruned: countParams(pruned.weights), densePrunable, prunedPrunable },
    perModule: specs.map((s) => ({ id: s.id, ...perModule[s.id] })),
    options: { ...PAGE_PRUNE_DEFAULTS, admm: problem.options },
    calibration: { samples: cal.samples, seqlen: cal.seqlen, tokens: cal.stats.tokens, corpus: cal.corpus },
    admm: { iterations: state.iteration, converged: state.converged, finalReport: state.reports[state.reports.length - 1] },
    seconds: { stats: cal.seconds, select: seconds.select, finalize: tFinal, total: cal.seconds + seconds.select + tFinal },
    memory: null,
    model: pm.model.source.name,
    seed: cal.seed,
    madeBy: 'structprune web (browser)',
  };
  return { model: pruned, mask, report };
}

/** Perplexity on the first `windows` windows of `ids` (ids start with BOS), windows of the model's context. */
export async function pagePerplexity(
  model: Model,
  ids: readonly number[],
  windows: number,
  onProgress?: (done: number, total: number) => void,
): Promise<PerplexityResult> {
  return perplexity(model, ids, { maxWindows: windows, onProgress });
}

/** Text from a prompt: greedy (temperature 0) or sampled with a seed; returns the decoded continuation with the prompt. */
export async function pageGenerate(pm: PageModel, model: Model, prompt: string, o: { steps: number; temperature: number; seed: number }): Promise<string> {
  const ids = await generate(model, { prompt: pm.codec.encode(prompt, { bos: true }), steps: o.steps, temperature: o.temperature, seed: o.seed });
  return pm.codec.decode(ids);
}

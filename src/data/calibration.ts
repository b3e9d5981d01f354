// Calibration windows (METHOD.md §7): a seeded PRNG draws nSamples windows of seqlen consecutive tokens
// from one token stream (the tokenized train text: TinyStories train head for stories260K, C4 for OPT).
// Each start is uniform in [0, len − seqlen], drawn independently (windows may overlap), in draw order.
// Same ids + same seed ⇒ same windows ⇒ same statistics and masks.
import { UsageError } from '../errors';
import { createRng } from '../util/rng';

/** Options of sampleCalibration. */
export interface CalibrationOptions {
  /** Number of windows n (integer ≥ 0). */
  nSamples: number;
  /** Tokens per window (integer ≥ 1). */
  seqlen: number;
  /** Seed of the window draw (safe integer). */
  seed: number;
}

/**
 * Draw `nSamples` windows of exactly `seqlen` token ids from `ids` (the whole token stream), returned as
 * plain arrays in draw order: windows[s][t] = ids[start_s + t]. Throws a UsageError when the options are
 * not integers in range or the stream is shorter than seqlen.
 */
export function sampleCalibration(ids: ArrayLike<number>, opts: CalibrationOptions): number[][] {
  const { nSamples, seqlen, seed } = opts;
  if (!Number.isInteger(nSamples) || nSamples < 0) throw new UsageError(`nSamples must be an integer >= 0; got ${nSamples}.`);
  if (!Number.isInteger(seqlen) || seqlen < 1) throw new UsageError(`seqlen must be an integer >= 1; got ${seqlen}.`);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`seed must be a safe integer; got ${seed}.`);
  if (ids.length < seqlen) {
    throw new UsageError(`Calibration stream has ${ids.length} tokens, fewer than seqlen=${seqlen}: use a smaller seqlen or a longer calibration text.`);
  }
  const rng = createRng(seed);
  const windows: number[][] = [];
  for (let s = 0; s < nSamples; s++) {
    const start = rng.int(0, ids.length - seqlen);
    const w = new Array<number>(seqlen);
    for (let t = 0; t < seqlen; t++) w[t] = ids[start + t];
    windows.push(w);
  }
  return windows;
}

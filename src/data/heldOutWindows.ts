// Held-out windows for choices made by measurement during pruning (the allocation temperature, the sensitivity
// probe): the calibration corpus and window length, another seeded draw (seed + HELD_OUT_SEED_OFFSET), so the
// choice is not made on the windows the statistics were fitted to, nor on an evaluation set.
import { DataDirOptions } from './datadir';
import { calibrationWindows, CalibrationModel, CalibrationSpec } from './calibrationWindows';
import { sampleCalibration } from './calibration';

export const HELD_OUT_SEED_OFFSET = 1000;
/** Default number of held-out windows. */
export const HELD_OUT_SAMPLES = 32;

export async function heldOutWindows(
  loaded: CalibrationModel,
  calib: CalibrationSpec = {},
  opts: DataDirOptions & { samples?: number } = {},
): Promise<number[][]> {
  const r = await calibrationWindows(loaded, { ...calib, samples: opts.samples ?? HELD_OUT_SAMPLES, seed: (calib.seed ?? 0) + HELD_OUT_SEED_OFFSET }, opts);
  return r.windows;
}

/**
 * The same held-out draw from a token stream already at hand (`calibrationWindows(...).ids`), so the calibration
 * text is not tokenized a second time: equal to `heldOutWindows` on the same corpus or text.
 */
export function heldOutFromIds(ids: readonly number[], calib: { seqlen: number; seed: number }, samples: number = HELD_OUT_SAMPLES): number[][] {
  return sampleCalibration(ids, { nSamples: samples, seqlen: calib.seqlen, seed: calib.seed + HELD_OUT_SEED_OFFSET });
}

// Calibration windows for a model (METHOD.md §7): TinyStories train head for stories260K (and models pruned
// from it), C4 for everything else; a seeded draw of n windows × seqlen tokens.
import { CorpusName } from './corpora';
import { DataDirOptions } from './datadir';
import { sampleCalibration } from './calibration';
import { corpusIds, TextEncoder } from './corpusIds';
import { NamedText, textIds } from './textFile';

/** The defaults of the calibration draw (METHOD.md §7), stated once. */
export const CALIBRATION_DEFAULTS = Object.freeze({
  /** Calibration windows. */
  samples: 64,
  /** Tokens per calibration window. */
  seqlen: 256,
  /** Seed of the window draw. */
  seed: 0,
});

/** What the calibration draw needs of a loaded model (model/codec.ts LoadedModel satisfies it). */
export interface CalibrationModel {
  model: { source: { name: string }; config: { vocabSize: number; maxSeq: number } };
  codec: TextEncoder;
}

export interface CalibrationSpec {
  /** Default: `defaultCalibrationCorpus(model)`. */
  corpus?: CorpusName;
  /** The user's own calibration text (e.g. `readTextFile(path)`); replaces `corpus`. */
  text?: NamedText;
  /** Windows (default CALIBRATION_DEFAULTS.samples = 64). */
  samples?: number;
  /** Tokens per window (default CALIBRATION_DEFAULTS.seqlen = 256). */
  seqlen?: number;
  /** Seed of the draw (default CALIBRATION_DEFAULTS.seed = 0). */
  seed?: number;
}

export function defaultCalibrationCorpus(loaded: CalibrationModel): CorpusName {
  return loaded.model.source.name.startsWith('stories260K') || loaded.model.config.vocabSize === 512 ? 'tinystories-train' : 'c4';
}

export async function calibrationWindows(
  loaded: CalibrationModel,
  spec: CalibrationSpec = {},
  opts: DataDirOptions = {},
): Promise<{ windows: number[][]; corpus: string; samples: number; seqlen: number; seed: number; ids: readonly number[] }> {
  if (spec.text && spec.corpus) throw new Error('calibrationWindows: give either corpus or text, not both');
  const corpus = spec.text?.name ?? spec.corpus ?? defaultCalibrationCorpus(loaded);
  const samples = spec.samples ?? CALIBRATION_DEFAULTS.samples;
  const seqlen = spec.seqlen ?? CALIBRATION_DEFAULTS.seqlen;
  const seed = spec.seed ?? CALIBRATION_DEFAULTS.seed;
  if (seqlen > loaded.model.config.maxSeq) throw new RangeError(`calibration seqlen ${seqlen} exceeds the context length ${loaded.model.config.maxSeq}`);
  const ids = spec.text ? textIds(loaded.codec, spec.text) : await corpusIds(loaded.codec, corpus as CorpusName, opts);
  return { windows: sampleCalibration(ids, { nSamples: samples, seqlen, seed }), corpus, samples, seqlen, seed, ids };
}

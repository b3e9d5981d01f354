// Calibration windows for a model (METHOD.md §7): TinyStories train head for stories260K (and models pruned
// from it), C4 for everything else; a seeded draw of n windows × seqlen tokens.
import { LoadedModel } from '../model/codec';
import { CorpusName } from './corpora';
import { DataDirOptions } from './datadir';
import { sampleCalibration } from './calibration';
import { corpusIds } from './corpusIds';
import { CALIBRATION_DEFAULTS } from '../prune/defaults';
import { NamedText, textIds } from './textFile';

export interface CalibrationSpec {
  /** Default: `defaultCalibrationCorpus(model)`. */
  corpus?: CorpusName;
  /** The user's own calibration text (e.g. `readTextFile(path)`); replaces `corpus`. */
  text?: NamedText;
  /** Windows (default 64). */
  samples?: number;
  /** Tokens per window (default 256). */
  seqlen?: number;
  /** Seed of the draw (default 0). */
  seed?: number;
}

export function defaultCalibrationCorpus(loaded: LoadedModel): CorpusName {
  return loaded.model.source.name.startsWith('stories260K') || loaded.model.config.vocabSize === 512 ? 'tinystories-train' : 'c4';
}

export async function calibrationWindows(loaded: LoadedModel, spec: CalibrationSpec = {}, opts: DataDirOptions = {}): Promise<{ windows: number[][]; corpus: string; samples: number; seqlen: number; seed: number }> {
  if (spec.text && spec.corpus) throw new Error('calibrationWindows: give either corpus or text, not both');
  const corpus = spec.text?.name ?? spec.corpus ?? defaultCalibrationCorpus(loaded);
  const samples = spec.samples ?? CALIBRATION_DEFAULTS.samples;
  const seqlen = spec.seqlen ?? CALIBRATION_DEFAULTS.seqlen;
  const seed = spec.seed ?? CALIBRATION_DEFAULTS.seed;
  if (seqlen > loaded.model.config.maxSeq) throw new RangeError(`calibration seqlen ${seqlen} exceeds the context length ${loaded.model.config.maxSeq}`);
  const ids = spec.text ? textIds(loaded.codec, spec.text) : await corpusIds(loaded.codec, corpus as CorpusName, opts);
  return { windows: sampleCalibration(ids, { nSamples: samples, seqlen, seed }), corpus, samples, seqlen, seed };
}

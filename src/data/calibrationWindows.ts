// Calibration windows for a model (METHOD.md §7): TinyStories train head for stories260K (and models pruned
// from it), C4 for everything else; a seeded draw of n windows × seqlen tokens.
import { LoadedModel } from '../model/codec';
import { CorpusName } from './corpora';
import { DataDirOptions } from './datadir';
import { sampleCalibration } from './calibration';
import { corpusIds } from './corpusIds';

export interface CalibrationSpec {
  /** Default: `defaultCalibrationCorpus(model)`. */
  corpus?: CorpusName;
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

export async function calibrationWindows(loaded: LoadedModel, spec: CalibrationSpec = {}, opts: DataDirOptions = {}): Promise<{ windows: number[][]; corpus: CorpusName; samples: number; seqlen: number; seed: number }> {
  const corpus = spec.corpus ?? defaultCalibrationCorpus(loaded);
  const samples = spec.samples ?? 64;
  const seqlen = spec.seqlen ?? 256;
  const seed = spec.seed ?? 0;
  if (seqlen > loaded.model.config.maxSeq) throw new RangeError(`calibration seqlen ${seqlen} exceeds the context length ${loaded.model.config.maxSeq}`);
  const ids = await corpusIds(loaded.codec, corpus, opts);
  return { windows: sampleCalibration(ids, { nSamples: samples, seqlen, seed }), corpus, samples, seqlen, seed };
}

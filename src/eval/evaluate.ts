// Perplexity of a model on a named corpus (METHOD.md §7 texts), with the model's own codec.
import { LoadedModel, TextCodec } from '../model/codec';
import { corpusText, CorpusName } from '../data/corpora';
import { DataDirOptions } from '../data/datadir';
import { perplexity, PerplexityOptions, PerplexityResult } from './perplexity';

/** ids = [BOS] + encode(text) of a corpus. */
export async function corpusIds(codec: TextCodec, name: CorpusName, opts: DataDirOptions = {}): Promise<number[]> {
  return codec.encode(await corpusText(name, opts), { bos: true });
}

export interface EvaluateOptions extends PerplexityOptions, DataDirOptions {}

export async function evaluate(loaded: LoadedModel, dataset: CorpusName, opts: EvaluateOptions = {}): Promise<PerplexityResult & { dataset: CorpusName }> {
  const ids = await corpusIds(loaded.codec, dataset, opts);
  return { dataset, ...(await perplexity(loaded.model, ids, opts)) };
}

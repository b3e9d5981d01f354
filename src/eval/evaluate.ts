// Perplexity of a model on a named corpus (METHOD.md §7 texts), with the model's own codec.
import { LoadedModel, TextCodec } from '../model/codec';
import { corpusText, CorpusName } from '../data/corpora';
import { DataDirOptions } from '../data/datadir';
import { corpusIds } from '../data/corpusIds';
import { perplexity, PerplexityOptions, PerplexityResult } from './perplexity';

export interface EvaluateOptions extends PerplexityOptions, DataDirOptions {}

export async function evaluate(loaded: LoadedModel, dataset: CorpusName, opts: EvaluateOptions = {}): Promise<PerplexityResult & { dataset: CorpusName }> {
  const ids = await corpusIds(loaded.codec, dataset, opts);
  return { dataset, ...(await perplexity(loaded.model, ids, opts)) };
}

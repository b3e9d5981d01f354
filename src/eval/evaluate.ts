// Perplexity of a model on a named corpus or on the user's own text (METHOD.md §7: ids = [BOS] + encode(text),
// one stream), with the model's own codec.
import { LoadedModel } from '../model/codec';
import { CorpusName } from '../data/corpora';
import { DataDirOptions } from '../data/datadir';
import { corpusIds } from '../data/corpusIds';
import { NamedText, textIds } from '../data/textFile';
import { perplexity, PerplexityOptions, PerplexityResult } from './perplexity';

export interface EvaluateOptions extends PerplexityOptions, DataDirOptions {}

/**
 * Perplexity on `source`: a corpus name (from the data directory) or `{ name, text }` (e.g. from
 * `readTextFile(path)`). `dataset` in the result is the corpus name or the text's name.
 */
export async function evaluate(
  loaded: LoadedModel,
  source: CorpusName | NamedText,
  opts: EvaluateOptions = {},
): Promise<PerplexityResult & { dataset: string }> {
  const ids = typeof source === 'string' ? await corpusIds(loaded.codec, source, opts) : textIds(loaded.codec, source);
  return { dataset: typeof source === 'string' ? source : source.name, ...(await perplexity(loaded.model, ids, opts)) };
}

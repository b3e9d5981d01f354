// A corpus as the model sees it: ids = [BOS] + encode(text) with the model's own codec (METHOD.md §7).
import { corpusText, CorpusName } from './corpora';
import { DataDirOptions } from './datadir';

/**
 * What data/ needs of a model's text codec (model/codec.ts TextCodec satisfies it): data/ sits below model/
 * in the import graph, so it names the shape instead of importing the type.
 */
export interface TextEncoder {
  encode(text: string, opts?: { bos?: boolean }): number[];
}

/** ids = [BOS] + encode(text) of a corpus. */
export async function corpusIds(codec: TextEncoder, name: CorpusName, opts: DataDirOptions = {}): Promise<number[]> {
  return codec.encode(await corpusText(name, opts), { bos: true });
}

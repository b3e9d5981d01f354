// A corpus as the model sees it: ids = [BOS] + encode(text) with the model's own codec (METHOD.md §7).
import { TextCodec } from '../model/codec';
import { corpusText, CorpusName } from './corpora';
import { DataDirOptions } from './datadir';

/** ids = [BOS] + encode(text) of a corpus. */
export async function corpusIds(codec: TextCodec, name: CorpusName, opts: DataDirOptions = {}): Promise<number[]> {
  return codec.encode(await corpusText(name, opts), { bos: true });
}

import { parse, str, choice } from '../args';
import { emit } from '../output';
import { loadModel, DEFAULT_MODEL } from '../../model/load';
import { saveHfModel } from '../../model/hf';
import { llama2cToHfTokenizer } from '../../model/hfTokenizer';
import { loadTokenizer } from '../../model/tokenizer';
import { UsageError } from '../../errors';

export const usage = `structprune convert [--model stories260K|FILE|DIR] --to hf --out DIR [--dtype F32|F16|BF16] [--json]
  Write a dense model as a Hugging Face checkpoint (config.json, model.safetensors, tokenizer.json).`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { model: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' }, dtype: { type: 'string' }, tokenizer: { type: 'string' } });
  choice(values, 'to', ['hf'] as const);
  const out = str(values, 'out');
  const loaded = await loadModel(str(values, 'model', DEFAULT_MODEL), { dataDir: values['data-dir'] as string | undefined, tokenizer: values.tokenizer as string | undefined });
  if (loaded.model.config.layers) throw new UsageError('convert: pruned models have per-layer widths that Hugging Face configs cannot express; keep them in the project format');
  const src = loaded.tokenizerSource;
  const tokenizer = src?.kind === 'llama2c' ? llama2cToHfTokenizer(loadTokenizer(src.file, loaded.model.config.vocabSize)) : undefined;
  const { files } = saveHfModel(loaded.model, out, { dtype: choice(values, 'dtype', ['F32', 'F16', 'BF16'] as const, 'F32'), tokenizer });
  emit(!!values.json, { out, files }, () => `wrote ${files.join(', ')} to ${out}`);
  return 0;
}

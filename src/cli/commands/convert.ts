import { parse, str, choice } from '../args';
import { emit } from '../output';
import { loadModel, DEFAULT_MODEL } from '../../model/load';
import { saveHfModel, isSavedHfDir } from '../../model/hf';
import { checkOutputDir } from '../../io/outputPath';
import { checkFlag } from '../outputs';
import { llama2cToHfTokenizer } from '../../model/hfTokenizer';
import { loadTokenizer } from '../../model/tokenizer';
import { UsageError } from '../../errors';

export const usage = `structprune convert [--model stories260K|FILE|DIR] --to hf --out DIR [--dtype F32|F16|BF16] [--json]
  Write a dense model as a Hugging Face checkpoint (config.json, model.safetensors, tokenizer.json). --out must be a
  new or empty folder, or one holding only such a checkpoint (replaced as a whole).`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    model: { type: 'string' },
    to: { type: 'string' },
    out: { type: 'string' },
    dtype: { type: 'string' },
    tokenizer: { type: 'string' },
  });
  choice(values, 'to', ['hf'] as const);
  const out = str(values, 'out');
  checkFlag('out', () => checkOutputDir(out, isSavedHfDir, { inputs: [values.model as string | undefined, values.tokenizer as string | undefined] }));
  const loaded = await loadModel(str(values, 'model', DEFAULT_MODEL), {
    dataDir: values['data-dir'] as string | undefined,
    tokenizer: values.tokenizer as string | undefined,
  });
  checkFlag('out', () => checkOutputDir(out, isSavedHfDir, { inputs: [loaded.model.source.path] }));
  if (loaded.model.config.layers) {
    throw new UsageError(
      'convert: a pruned model cannot be written as a Hugging Face checkpoint: its layers have different widths (kept heads and FFN units per layer), and HF LlamaConfig/OPTConfig hold one width for all layers; keep it in the project format (docs/FORMAT.md)',
    );
  }
  const src = loaded.tokenizerSource;
  const tokenizer = src?.kind === 'llama2c' ? llama2cToHfTokenizer(loadTokenizer(src.file, loaded.model.config.vocabSize)) : undefined;
  const { files } = saveHfModel(loaded.model, out, { dtype: choice(values, 'dtype', ['F32', 'F16', 'BF16'] as const, 'F32'), tokenizer });
  emit(!!values.json, { out, files }, () => `wrote ${files.join(', ')} to ${out}`);
  return 0;
}

import { parse, num, str, choice } from '../args';
import { emit } from '../output';
import { writeFixture } from '../../model/fixture';
import { isSavedHfDir } from '../../model/hf';
import { checkOutputDir } from '../../io/outputPath';
import { checkFlag } from '../outputs';

export const usage = `structprune fixture --arch opt|llama [--layers 2] [--d-model 64] [--heads H] [--kv-heads K] [--ff F] [--vocab 512] [--max-seq 128]
    [--word-embed-proj-dim E] [--post-norm] [--seed 0] --out DIR [--json]
  Write a seeded random Hugging Face checkpoint (config.json, model.safetensors, tokenizer.json).`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    arch: { type: 'string' }, layers: { type: 'string' }, 'd-model': { type: 'string' }, heads: { type: 'string' }, 'kv-heads': { type: 'string' }, ff: { type: 'string' },
    vocab: { type: 'string' }, 'max-seq': { type: 'string' }, 'word-embed-proj-dim': { type: 'string' }, 'post-norm': { type: 'boolean', default: false }, seed: { type: 'string' }, out: { type: 'string' },
  });
  const opt = (k: string) => (values[k] === undefined ? undefined : num(values, k, 0, { min: 1, int: true }));
  const arch = choice(values, 'arch', ['opt', 'llama'] as const);
  const out = str(values, 'out');
  checkFlag('out', () => checkOutputDir(out, isSavedHfDir));
  const { files, model } = writeFixture({
    arch, layers: num(values, 'layers', 2, { min: 1, int: true }), dModel: num(values, 'd-model', 64, { min: 2, int: true }),
    nHeads: opt('heads'), nKvHeads: opt('kv-heads'), dFF: opt('ff'), vocabSize: opt('vocab'), maxSeq: opt('max-seq'),
    wordEmbedProjDim: opt('word-embed-proj-dim'), doLayerNormBefore: arch === 'opt' ? !values['post-norm'] : undefined,
    seed: num(values, 'seed', 0, { int: true }), out,
  });
  emit(!!values.json, { out, files, config: model.config }, () => `wrote ${files.join(', ')} to ${out}`);
  return 0;
}

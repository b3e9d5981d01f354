import { parse, num, str, choice } from '../args';
import { emit } from '../output';
import { writeFixture } from '../../model/fixture';
import { isSavedHfDir } from '../../model/hf';
import { checkOutputDir } from '../../io/outputPath';
import { checkFlag } from '../outputs';
import { UsageError } from '../../errors';

/** Real configurations for `--preset` (sizes only; the weights stay seeded random). */
export const FIXTURE_PRESETS = {
  /** facebook/opt-125m config.json: 12 layers, 12 heads, d 768, FFN 3072, vocab 50272, 2048 positions. */
  'opt-125m': { arch: 'opt', layers: 12, dModel: 768, nHeads: 12, dFF: 3072, vocabSize: 50272, maxSeq: 2048 },
} as const;

export const usage = `structprune fixture --arch opt|llama [--preset opt-125m] [--layers 2] [--d-model 64] [--heads H] [--kv-heads K] [--ff F] [--vocab 512] [--max-seq 128]
    [--word-embed-proj-dim E] [--post-norm] [--seed 0] --out DIR [--json]
  Write a seeded random Hugging Face checkpoint (config.json, model.safetensors, tokenizer.json).
  --preset opt-125m: OPT-125M's real sizes (12 layers, 12 heads, d 768, FFN 3072, vocab 50272, 2048 positions;
  ≈ 500 MB); size options given explicitly override the preset. The tokenizer is the fixture's small byte-level
  BPE (276 tokens; its ids index the first rows of the 50272-row embedding).`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    arch: { type: 'string' },
    layers: { type: 'string' },
    'd-model': { type: 'string' },
    heads: { type: 'string' },
    'kv-heads': { type: 'string' },
    ff: { type: 'string' },
    vocab: { type: 'string' },
    'max-seq': { type: 'string' },
    preset: { type: 'string' },
    'word-embed-proj-dim': { type: 'string' },
    'post-norm': { type: 'boolean', default: false },
    seed: { type: 'string' },
    out: { type: 'string' },
  });
  const preset =
    values.preset === undefined ? undefined : FIXTURE_PRESETS[choice(values, 'preset', Object.keys(FIXTURE_PRESETS) as (keyof typeof FIXTURE_PRESETS)[])];
  const opt = (k: string, fallback?: number) => (values[k] === undefined ? fallback : num(values, k, 0, { min: 1, int: true }));
  const arch = choice(values, 'arch', ['opt', 'llama'] as const);
  if (preset && preset.arch !== arch) throw new UsageError(`--preset is an ${preset.arch} configuration; use --arch ${preset.arch}`);
  const out = str(values, 'out');
  checkFlag('out', () => checkOutputDir(out, isSavedHfDir));
  const { files, model } = writeFixture({
    arch,
    layers: num(values, 'layers', preset?.layers ?? 2, { min: 1, int: true }),
    dModel: num(values, 'd-model', preset?.dModel ?? 64, { min: 2, int: true }),
    nHeads: opt('heads', preset?.nHeads),
    nKvHeads: opt('kv-heads'),
    dFF: opt('ff', preset?.dFF),
    vocabSize: opt('vocab', preset?.vocabSize),
    maxSeq: opt('max-seq', preset?.maxSeq),
    wordEmbedProjDim: opt('word-embed-proj-dim'),
    doLayerNormBefore: arch === 'opt' ? !values['post-norm'] : undefined,
    seed: num(values, 'seed', 0, { int: true }),
    out,
  });
  emit(!!values.json, { out, files, config: model.config }, () => `wrote ${files.join(', ')} to ${out}`);
  return 0;
}

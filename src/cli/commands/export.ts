import * as fs from 'fs';
import { parse, str, choice } from '../args';
import { emit } from '../output';
import { loadModel, DEFAULT_MODEL } from '../../model/load';
import { exportGguf } from '../../gguf/export';
import { UsageError } from '../../errors';

export const usage = `structprune export --format gguf [--model stories260K|FILE|DIR] --out FILE.gguf [--dtype f32|f16] [--force] [--json]
  Write a dense or pruned LLaMA-architecture model as a GGUF file for llama.cpp (docs/GGUF.md): arch "llama",
  or "deci" with per-layer widths; exact workarounds for what llama.cpp cannot load are listed. OPT is refused.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    format: { type: 'string' },
    model: { type: 'string' },
    out: { type: 'string' },
    dtype: { type: 'string' },
    force: { type: 'boolean', default: false },
    tokenizer: { type: 'string' },
  });
  choice(values, 'format', ['gguf'] as const);
  const out = str(values, 'out');
  const dtype = choice(values, 'dtype', ['f32', 'f16'] as const, 'f32');
  if (fs.existsSync(out) && !values.force) throw new UsageError(`--out ${out} exists: pass --force to replace it`);
  const loaded = await loadModel(str(values, 'model', DEFAULT_MODEL), {
    dataDir: values['data-dir'] as string | undefined,
    tokenizer: values.tokenizer as string | undefined,
  });
  const r = exportGguf(loaded, out, { dtype, force: !!values.force });
  emit(!!values.json, r, () =>
    [`wrote ${out}: ${r.arch}, ${r.dtype}, ${r.tensors} tensors, ${r.bytes.toLocaleString('en-US')} bytes`, ...r.fixes.map((f) => `  workaround ${f}`)].join(
      '\n',
    ),
  );
  return 0;
}

import { parse, num, str, choice } from '../args';
import { emit } from '../output';
import { progress } from '../progress';
import { loadModel, DEFAULT_MODEL } from '../../model/load';
import { evaluate } from '../../eval/evaluate';
import { CORPUS_NAMES } from '../../data/corpora';
import { evaluateGguf } from '../../io/gguf/evaluate';
import { UsageError } from '../../errors';

export const usage = `structprune eval [--model stories260K|FILE|DIR] --dataset ${CORPUS_NAMES.join('|')} [--seqlen L] [--max-windows N] [--json]
  Perplexity (METHOD.md §7): ids = [BOS] + encode(text), windows of L tokens (default: context length),
  NLL of positions 1..L−1. --json prints {"ppl","nll","windows","tokens","seconds"}.
  --engine llama.cpp --model FILE.gguf [--threads 1]: the same protocol run by llama.cpp (scripts/setup-llama.sh),
  with the file's own tokenizer, F32 KV cache, flash attention off.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { model: { type: 'string' }, dataset: { type: 'string' }, seqlen: { type: 'string' }, 'max-windows': { type: 'string' }, tokenizer: { type: 'string' }, engine: { type: 'string' }, threads: { type: 'string' } });
  const dataset = choice(values, 'dataset', CORPUS_NAMES);
  const dataDir = values['data-dir'] as string | undefined;
  if (choice(values, 'engine', ['tfjs', 'llama.cpp'] as const, 'tfjs') === 'llama.cpp') return runLlamaCpp(values, dataset, dataDir);
  const loaded = await loadModel(str(values, 'model', DEFAULT_MODEL), { dataDir, tokenizer: values.tokenizer as string | undefined });
  const bar = progress(!values.json);
  const r = await evaluate(loaded, dataset, {
    dataDir,
    seqlen: num(values, 'seqlen', loaded.model.config.maxSeq, { min: 2, max: loaded.model.config.maxSeq, int: true }),
    maxWindows: values['max-windows'] === undefined ? undefined : num(values, 'max-windows', 0, { min: 1, int: true }),
    onProgress: (d, t) => bar.update('eval', d, t),
  });
  bar.done();
  emit(!!values.json, { ppl: r.ppl, nll: r.nll, windows: r.windows, tokens: r.tokens, seconds: r.seconds }, () =>
    `${loaded.model.source.name} on ${dataset}: ppl ${r.ppl.toFixed(4)} (nll ${r.nll.toFixed(4)}, ${r.windows} windows × ${r.seqlen}, ${r.tokens} predicted tokens, ${r.seconds.toFixed(1)} s)`);
  return 0;
}

async function runLlamaCpp(values: Record<string, unknown>, dataset: (typeof CORPUS_NAMES)[number], dataDir: string | undefined): Promise<number> {
  const file = str(values, 'model', '');
  if (!file.endsWith('.gguf')) throw new UsageError('--engine llama.cpp needs --model FILE.gguf (see structprune export --format gguf)');
  const r = await evaluateGguf(file, dataset, {
    dataDir, threads: num(values, 'threads', 1, { min: 1, int: true }),
    seqlen: values.seqlen === undefined ? undefined : num(values, 'seqlen', 0, { min: 2, int: true }),
    maxWindows: values['max-windows'] === undefined ? undefined : num(values, 'max-windows', 0, { min: 1, int: true }),
  });
  emit(!!values.json, { ppl: r.ppl, nll: r.nll, windows: r.windows, tokens: r.tokens, seconds: r.seconds, engine: 'llama.cpp' }, () =>
    `${file} (llama.cpp) on ${dataset}: ppl ${r.ppl.toFixed(4)} (nll ${r.nll.toFixed(4)}, ${r.windows} windows × ${r.seqlen}, ${r.tokens} predicted tokens, ${r.seconds.toFixed(1)} s)`);
  return 0;
}

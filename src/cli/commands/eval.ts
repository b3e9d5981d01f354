import { parse, num, str, choice, maxWindows } from '../args';
import { emit } from '../output';
import { progress } from '../progress';
import { loadModel, DEFAULT_MODEL } from '../../model/load';
import { evaluate } from '../../eval/evaluate';
import { CORPUS_NAMES } from '../../data/corpora';
import { readTextFile } from '../../data/textFile';
import { Model } from '../../model/model';
import { evaluateGguf } from '../../gguf/evaluate';
import { UsageError } from '../../errors';
import { backendInfo } from '../../backend';

export const usage = `structprune eval [--model stories260K|FILE|DIR] (--dataset ${CORPUS_NAMES.join('|')} | --text FILE) [--seqlen L] [--max-windows N (0 = all)] [--json]
  Perplexity (METHOD.md §7): ids = [BOS] + encode(text), windows of L tokens (default: context length),
  NLL of positions 1..L−1. --text FILE evaluates your own UTF-8 text as one stream.
  --json prints {"model","dataset","ppl","nll","windows","tokens","seconds","backend","adapter"}
  (adapter: the GPU adapter's description on webgpu, else null).
  --engine llama.cpp --model FILE.gguf [--threads 1]: the same protocol run by llama.cpp (scripts/setup-llama.sh),
  with the file's own tokenizer, F32 KV cache, flash attention off (named datasets only).`;

/** How a model is named in results: a saved pruned folder by its path and origin. */
export function modelLabel(m: Model): string {
  return m.source.format === 'pruned' && m.source.path ? `${m.source.path} (pruned from ${m.source.name})` : m.source.name;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    model: { type: 'string' },
    dataset: { type: 'string' },
    text: { type: 'string' },
    seqlen: { type: 'string' },
    'max-windows': { type: 'string' },
    tokenizer: { type: 'string' },
    engine: { type: 'string' },
    threads: { type: 'string' },
  });
  if (values.text !== undefined && values.dataset !== undefined) throw new UsageError('give --dataset or --text, not both');
  const source = values.text !== undefined ? readTextFile(String(values.text)) : choice(values, 'dataset', CORPUS_NAMES);
  const maxWin = maxWindows(values);
  if (choice(values, 'engine', ['tfjs', 'llama.cpp'] as const, 'tfjs') === 'llama.cpp') {
    if (typeof source !== 'string') throw new UsageError('--engine llama.cpp evaluates a named --dataset; --text is not supported with it');
    return runLlamaCpp(values, source, values['data-dir'] as string | undefined, maxWin);
  }
  const dataDir = values['data-dir'] as string | undefined;
  const loaded = await loadModel(str(values, 'model', DEFAULT_MODEL), { dataDir, tokenizer: values.tokenizer as string | undefined });
  const bar = progress(!values.json);
  const r = await evaluate(loaded, source, {
    dataDir,
    seqlen: num(values, 'seqlen', loaded.model.config.maxSeq, { min: 2, max: loaded.model.config.maxSeq, int: true }),
    maxWindows: maxWin,
    onProgress: (d, t) => bar.update('eval', d, t),
  });
  bar.done();
  const model = modelLabel(loaded.model);
  const info = backendInfo();
  emit(
    !!values.json,
    {
      model,
      dataset: r.dataset,
      ppl: r.ppl,
      nll: r.nll,
      windows: r.windows,
      tokens: r.tokens,
      seconds: r.seconds,
      backend: info.name,
      adapter: info.webgpu?.adapter.description ?? null,
    },
    () =>
      `${model} on ${r.dataset}: ppl ${r.ppl.toFixed(4)} (nll ${r.nll.toFixed(4)}, ${r.windows} windows × ${r.seqlen}, ${r.tokens} predicted tokens, ${r.seconds.toFixed(1)} s)`,
  );
  return 0;
}

async function runLlamaCpp(
  values: Record<string, unknown>,
  dataset: (typeof CORPUS_NAMES)[number],
  dataDir: string | undefined,
  maxWindows: number | undefined,
): Promise<number> {
  const file = str(values, 'model', '');
  if (!file.endsWith('.gguf')) throw new UsageError('--engine llama.cpp needs --model FILE.gguf (see structprune export --format gguf)');
  const r = await evaluateGguf(file, dataset, {
    dataDir,
    threads: num(values, 'threads', 1, { min: 1, int: true }),
    seqlen: values.seqlen === undefined ? undefined : num(values, 'seqlen', 0, { min: 2, int: true }),
    maxWindows,
  });
  emit(
    !!values.json,
    { ppl: r.ppl, nll: r.nll, windows: r.windows, tokens: r.tokens, seconds: r.seconds, engine: 'llama.cpp' },
    () =>
      `${file} (llama.cpp) on ${dataset}: ppl ${r.ppl.toFixed(4)} (nll ${r.nll.toFixed(4)}, ${r.windows} windows × ${r.seqlen}, ${r.tokens} predicted tokens, ${r.seconds.toFixed(1)} s)`,
  );
  return 0;
}

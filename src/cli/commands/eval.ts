import { parse, num, str, choice } from '../args';
import { emit } from '../output';
import { progress } from '../progress';
import { loadModel, DEFAULT_MODEL } from '../../model/load';
import { evaluate } from '../../eval/evaluate';
import { CORPUS_NAMES } from '../../data/corpora';
import { backendInfo } from '../../backend';

export const usage = `structprune eval [--model stories260K|FILE|DIR] --dataset ${CORPUS_NAMES.join('|')} [--seqlen L] [--max-windows N] [--json]
  Perplexity (METHOD.md §7): ids = [BOS] + encode(text), windows of L tokens (default: context length),
  NLL of positions 1..L−1. --json prints {"ppl","nll","windows","tokens","seconds","backend","adapter"}
  (adapter: the GPU adapter's description on webgpu, else null).`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { model: { type: 'string' }, dataset: { type: 'string' }, seqlen: { type: 'string' }, 'max-windows': { type: 'string' }, tokenizer: { type: 'string' } });
  const dataset = choice(values, 'dataset', CORPUS_NAMES);
  const dataDir = values['data-dir'] as string | undefined;
  const loaded = await loadModel(str(values, 'model', DEFAULT_MODEL), { dataDir, tokenizer: values.tokenizer as string | undefined });
  const bar = progress(!values.json);
  const r = await evaluate(loaded, dataset, {
    dataDir,
    seqlen: num(values, 'seqlen', loaded.model.config.maxSeq, { min: 2, max: loaded.model.config.maxSeq, int: true }),
    maxWindows: values['max-windows'] === undefined ? undefined : num(values, 'max-windows', 0, { min: 1, int: true }),
    onProgress: (d, t) => bar.update('eval', d, t),
  });
  bar.done();
  const info = backendInfo();
  emit(!!values.json, { ppl: r.ppl, nll: r.nll, windows: r.windows, tokens: r.tokens, seconds: r.seconds, backend: info.name, adapter: info.webgpu?.adapter.description ?? null }, () =>
    `${loaded.model.source.name} on ${dataset}: ppl ${r.ppl.toFixed(4)} (nll ${r.nll.toFixed(4)}, ${r.windows} windows × ${r.seqlen}, ${r.tokens} predicted tokens, ${r.seconds.toFixed(1)} s)`);
  return 0;
}

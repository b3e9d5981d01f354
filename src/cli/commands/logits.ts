import { parse, str } from '../args';
import { emit } from '../output';
import { tf, initBackend } from '../../backend';
import { loadModel, DEFAULT_MODEL } from '../../model/load';
import { toDevice } from '../../model/device';
import { forward } from '../../model/forward';
import { UsageError } from '../../errors';

export const usage = `structprune logits [--model stories260K|FILE|DIR] --ids 2,100,200 [--json]
  Logits of every position: {"logits":[[…]…]}.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { model: { type: 'string' }, ids: { type: 'string' }, tokenizer: { type: 'string' } });
  const ids = str(values, 'ids')
    .split(',')
    .map((s) => {
      const v = Number(s);
      if (!Number.isInteger(v) || v < 0) throw new UsageError(`--ids must be comma-separated token ids, got "${s}"`);
      return v;
    });
  await initBackend();
  const { model } = await loadModel(str(values, 'model', DEFAULT_MODEL), {
    dataDir: values['data-dir'] as string | undefined,
    tokenizer: values.tokenizer as string | undefined,
  });
  if (ids.some((i) => i >= model.config.vocabSize)) throw new UsageError(`--ids: every id must be < vocab size ${model.config.vocabSize}`);
  const dm = toDevice(model);
  let rows: number[][];
  try {
    const t = tf.tidy(() => forward(model.config, dm.weights, ids).logits);
    rows = (await t.array()) as number[][];
    t.dispose();
  } finally {
    dm.dispose();
  }
  emit(!!values.json, { logits: rows }, () =>
    rows
      .map(
        (r, i) =>
          `${ids[i]}: ${r
            .slice(0, 8)
            .map((x) => x.toFixed(4))
            .join(' ')} …`,
      )
      .join('\n'),
  );
  return 0;
}

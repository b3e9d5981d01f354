import { parse, num, str } from '../args';
import { emit } from '../output';
import { loadModel, DEFAULT_MODEL } from '../../model/load';
import { generate } from '../../model/generate';

export const usage = `structprune generate [--model stories260K|FILE|DIR] [--steps 200] [--temperature 0] [--seed 0] [--prompt TEXT] [--json]
  Sample from the model as llama2.c run.c does (temperature 0 = greedy). --json prints {"ids":[…],"text":"…"}.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    model: { type: 'string' },
    steps: { type: 'string' },
    temperature: { type: 'string' },
    seed: { type: 'string' },
    prompt: { type: 'string' },
    tokenizer: { type: 'string' },
  });
  const loaded = await loadModel(str(values, 'model', DEFAULT_MODEL), {
    dataDir: values['data-dir'] as string | undefined,
    tokenizer: values.tokenizer as string | undefined,
  });
  const prompt = values.prompt !== undefined ? loaded.codec.encode(String(values.prompt), { bos: true }) : undefined;
  const ids = await generate(loaded.model, {
    steps: num(values, 'steps', 200, { min: 1, int: true }),
    temperature: num(values, 'temperature', 0, { min: 0 }),
    seed: num(values, 'seed', 0, { int: true }),
    prompt,
  });
  const text = loaded.codec.decode(ids);
  emit(!!values.json, { ids, text }, () => text);
  return 0;
}

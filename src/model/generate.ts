// Sampling as llama2.c run.c: start from BOS, argmax at temperature 0, else softmax(logits / T) sampled
// with a seeded RNG. Recomputes the whole prefix each step (no KV cache): fine for small models.
import { tf, initBackend } from '../backend';
import { Model } from './model';
import { toDevice } from './device';
import { forward } from './forward';
import { firstNonFinite, diagnoseNonFinite } from './finite';
import { createRng } from '../util/rng';

export interface GenerateOptions {
  /** Number of tokens to generate (default 200). */
  steps?: number;
  /** 0 = greedy argmax (default). */
  temperature?: number;
  /** Seed of the sampler when temperature > 0 (default 0). */
  seed?: number;
  /** Prompt ids, starting with BOS (default [BOS]). */
  prompt?: number[];
  /** Stop at EOS or BOS (as run.c stops at BOS); default true. */
  stopAtEos?: boolean;
}

/** Generate token ids (prompt included). The context is capped at the model's maxSeq. */
export async function generate(model: Model, opts: GenerateOptions = {}): Promise<number[]> {
  await initBackend();
  const cfg = model.config;
  const steps = opts.steps ?? 200;
  const temperature = opts.temperature ?? 0;
  if (!(steps >= 0) || !Number.isInteger(steps)) throw new RangeError(`steps must be a non-negative integer, got ${steps}`);
  if (!(temperature >= 0)) throw new RangeError(`temperature must be ≥ 0, got ${temperature}`);
  const rng = createRng(opts.seed ?? 0);
  const ids = [...(opts.prompt ?? [cfg.bosId])];
  const dm = toDevice(model);
  try {
    for (let s = 0; s < steps && ids.length < cfg.maxSeq; s++) {
      const last = tf.tidy(() => {
        const { logits } = forward(cfg, dm.weights, ids);
        return tf.slice(logits, [ids.length - 1, 0], [1, cfg.vocabSize]);
      });
      const row = (await last.data()) as Float32Array;
      last.dispose();
      const bad = firstNonFinite(row);
      if (bad >= 0) throw await diagnoseNonFinite(cfg, dm.weights, ids, `logit of token ${bad} is ${row[bad]} at step ${s}`);
      let next = 0;
      if (temperature === 0) {
        for (let i = 1; i < row.length; i++) if (row[i] > row[next]) next = i;
      } else {
        let max = -Infinity;
        for (const v of row) max = Math.max(max, v);
        const p = Array.from(row, (v) => Math.exp((v - max) / temperature));
        const z = p.reduce((a, b) => a + b, 0);
        let u = rng.float() * z;
        next = p.length - 1;
        for (let i = 0; i < p.length; i++) {
          u -= p[i];
          if (u <= 0) {
            next = i;
            break;
          }
        }
      }
      if ((opts.stopAtEos ?? true) && (next === cfg.eosId || next === cfg.bosId)) break;
      ids.push(next);
    }
  } finally {
    dm.dispose();
  }
  return ids;
}

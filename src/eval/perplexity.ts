// Perplexity protocol (METHOD.md §7): ids = [BOS] + encode(text); non-overlapping windows
// ids[i·L : (i+1)·L] for i < ⌊len/L⌋ (the tail shorter than L is dropped); in each window the NLL of
// positions 1..L−1 given its prefix (position 0 is never predicted); ppl = exp(mean NLL over all predicted
// positions). NLL sums are accumulated in float64 on the host.
import { tf, initBackend } from '../backend';
import { read } from '../util/read';
import { Model } from '../model/model';
import { DeviceModel, toDevice } from '../model/device';
import { forward } from '../model/forward';

export interface PerplexityOptions {
  /** Window length L (default: the model's context length). */
  seqlen?: number;
  /** Evaluate only the first N windows (default: all). */
  maxWindows?: number;
  /** Called after each window. */
  onProgress?: (done: number, total: number) => void;
}

export interface PerplexityResult {
  ppl: number;
  /** Mean NLL per predicted token (nats). */
  nll: number;
  windows: number;
  /** Predicted positions: windows · (L − 1). */
  tokens: number;
  seqlen: number;
  seconds: number;
}

/** NLL (nats) of ids[1..] given the prefix, for one window: returns the per-position values. */
export async function windowNll(dm: DeviceModel, ids: readonly number[]): Promise<Float32Array> {
  const V = dm.config.vocabSize;
  return (await read(() => {
    const { logits } = forward(dm.config, dm.weights, ids);
    const T = ids.length;
    const z = tf.slice(logits, [0, 0], [T - 1, V]); // position t predicts ids[t + 1]
    // NLL_t = logsumexp(z_t) − z_t[ids[t+1]]: one gather instead of a full log-softmax and a one-hot product
    const flat = Int32Array.from(ids.slice(1), (id, t) => t * V + id);
    const picked = tf.gather(tf.reshape(z, [-1]), tf.tensor1d(flat, 'int32'));
    return tf.sub(tf.logSumExp(z, 1), picked);
  })) as Float32Array;
}

/** Perplexity of a model on a token stream (ids already start with BOS). */
export async function perplexity(model: Model | DeviceModel, ids: readonly number[], opts: PerplexityOptions = {}): Promise<PerplexityResult> {
  await initBackend();
  const L = opts.seqlen ?? model.config.maxSeq;
  if (!Number.isInteger(L) || L < 2) throw new RangeError(`seqlen must be an integer ≥ 2, got ${L}`);
  if (L > model.config.maxSeq) throw new RangeError(`seqlen ${L} exceeds the model's context length ${model.config.maxSeq}`);
  let windows = Math.floor(ids.length / L);
  if (opts.maxWindows !== undefined) windows = Math.min(windows, opts.maxWindows);
  if (windows < 1) throw new RangeError(`text has ${ids.length} tokens: not one window of ${L}`);
  const owned = 'dispose' in model ? null : toDevice(model);
  const dm = owned ?? (model as DeviceModel);
  const t0 = performance.now();
  let sum = 0;
  try {
    for (let i = 0; i < windows; i++) {
      const nll = await windowNll(dm, ids.slice(i * L, (i + 1) * L));
      for (const v of nll) sum += v;
      opts.onProgress?.(i + 1, windows);
      if (i % 16 === 15) await new Promise((r) => setImmediate(r)); // let progress output and signals through
    }
  } finally {
    owned?.dispose();
  }
  const tokens = windows * (L - 1);
  const nll = sum / tokens;
  return { ppl: Math.exp(nll), nll, windows, tokens, seqlen: L, seconds: (performance.now() - t0) / 1000 };
}

// Check a GGUF export against the project's own forward pass: llama.cpp's logits at every position of
// some windows vs `forward` on the same ids (max |difference| per window).
import { tf, initBackend } from '../backend';
import { Model } from '../model/model';
import { toDevice } from '../model/device';
import { forward } from '../model/forward';
import { LlamaCppOptions, llamaCppLogits } from './llamaCpp';

export interface GgufCheckResult {
  /** max |llama.cpp − project| over every logit of every position of every window. */
  maxAbsDiff: number;
  /** The same, per window. */
  perWindow: number[];
  /** Positions compared (sum of window lengths). */
  positions: number;
}

/** The project's logits [T·vocab] for each window (one block of host data per window). */
export async function projectLogits(model: Model, windows: number[][]): Promise<Float32Array[]> {
  await initBackend();
  const dm = toDevice(model);
  try {
    const out: Float32Array[] = [];
    for (const w of windows) {
      const t = tf.tidy(() => forward(model.config, dm.weights, w).logits);
      try {
        out.push((await t.data()) as Float32Array);
      } finally {
        t.dispose();
      }
    }
    return out;
  } finally {
    dm.dispose();
  }
}

/** Compare llama.cpp on `file` with the project's forward of `model` at every position of `windows`. */
export async function checkGguf(model: Model, file: string, windows: number[][], opts: LlamaCppOptions = {}): Promise<GgufCheckResult> {
  const L = Math.max(...windows.map((w) => w.length));
  const [mine, theirs] = await Promise.all([projectLogits(model, windows), llamaCppLogits(file, windows, { ...opts, contextSize: opts.contextSize ?? L + 1 })]);
  if (theirs.vocab !== model.config.vocabSize) throw new Error(`${file}: llama.cpp vocabulary ${theirs.vocab} ≠ model ${model.config.vocabSize}`);
  const perWindow = mine.map((a, i) => {
    const b = theirs.logits[i];
    let m = 0;
    for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
    return m;
  });
  return { maxAbsDiff: Math.max(...perWindow), perWindow, positions: windows.reduce((a, w) => a + w.length, 0) };
}

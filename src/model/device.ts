// Moving weights between host and device. A DeviceModel is a long-lived bundle: dispose() it once.
import { tf } from '../backend';
import { HostWeights } from './hostTensor';
import { ModelConfig, layerShape } from './config';
import { BlockTensors } from './blocks';
import { Model } from './model';

export type DeviceWeights = Record<string, tf.Tensor>;

/** Upload the named host weights (all when `keys` is omitted). */
export function uploadWeights(w: HostWeights, keys: string[] = Object.keys(w)): DeviceWeights {
  const out: DeviceWeights = {};
  for (const k of keys) {
    const t = w[k];
    if (!t) throw new Error(`weight "${k}" is missing from the model`);
    out[k] = tf.tensor(t.data, t.shape);
  }
  return out;
}

export function disposeWeights(d: DeviceWeights): void {
  for (const k of Object.keys(d)) d[k].dispose();
}

/** The tensors of block `l` keyed without the `layers.{l}.` prefix (no copies). */
export function blockTensors(d: DeviceWeights, l: number): BlockTensors {
  const p = `layers.${l}.`;
  const out: BlockTensors = {};
  for (const k of Object.keys(d)) if (k.startsWith(p)) out[k.slice(p.length)] = d[k];
  return out;
}

/** Upload block `l` only (one block resident at a time). */
export function uploadBlock(w: HostWeights, l: number): BlockTensors {
  const p = `layers.${l}.`;
  const out: BlockTensors = {};
  for (const k of Object.keys(w)) if (k.startsWith(p)) out[k.slice(p.length)] = tf.tensor(w[k].data, w[k].shape);
  return out;
}

/** A model resident on the device. */
export interface DeviceModel {
  config: ModelConfig;
  weights: DeviceWeights;
  dispose(): void;
}

/** Upload the whole model; a tied LM head gets its [embedDim, vocab] transpose uploaded as `lm_head`. */
export function toDevice(model: Model): DeviceModel {
  const weights = uploadWeights(model.weights);
  if (!weights.lm_head) weights.lm_head = tf.tidy(() => tf.transpose(weights.embed));
  for (let l = 0; l < model.config.nLayers; l++) layerShape(model.config, l); // validates shapes early
  return { config: model.config, weights, dispose: () => disposeWeights(weights) };
}

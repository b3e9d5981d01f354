import { ModelConfig } from './config';
import { HostWeights, countParams } from './hostTensor';

/** A model on the host: configuration, weights (layout in hostTensor.ts) and where it came from. */
export interface Model {
  config: ModelConfig;
  weights: HostWeights;
  source: { name: string; path?: string; sha256?: string; format: 'llama2c' | 'hf' | 'pruned' | 'synthetic' };
}

/** One-line summary for REPL printing. */
export function describeModel(m: Model): string {
  const c = m.config;
  const pruned = c.layers
    ? ' (pruned: ffn ' + c.layers.map((s) => s.ffn.length).join('/') + ', heads ' + c.layers.map((s) => s.heads.length).join('/') + ')'
    : '';
  return `${m.source.name}: ${c.arch} d=${c.dModel} L=${c.nLayers} heads=${c.nHeads}/${c.nKvHeads} ff=${c.dFF} vocab=${c.vocabSize}, ${countParams(m.weights).toLocaleString('en-US')} params${pruned}`;
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelConfig, validateConfig } from '../../src/model/config';
import { fixtureModel } from '../../src/model/fixture';

const base = (): ModelConfig => fixtureModel({ arch: 'llama', layers: 2, dModel: 32, nHeads: 4, nKvHeads: 2, seed: 0 }).config;

test('validateConfig accepts the fixtures and names the field, value and rule of every defect', () => {
  validateConfig(base());
  validateConfig(fixtureModel({ arch: 'opt', layers: 1, dModel: 32, seed: 0 }).config);
  const bad: [Partial<ModelConfig> | ((c: ModelConfig) => void), RegExp][] = [
    [{ dHead: 4 }, /config\.nHeads × dHead \(4 × 4 = 16\) must equal dModel \(32\)/],
    [{ nHeads: 8 }, /config\.nHeads × dHead \(8 × 8 = 64\) must equal dModel \(32\)/],
    [(c) => delete (c as Partial<ModelConfig>).dFF, /config\.dFF must be a positive integer, got nothing \(missing\)/],
    [(c) => delete (c as Partial<ModelConfig>).arch, /config\.arch must be one of llama\|opt, got nothing/],
    [{ activation: 'gelu' as never }, /config\.activation must be one of swiglu\|relu, got "gelu"/],
    [{ tiedEmbeddings: 'yes' as never }, /config\.tiedEmbeddings must be true or false/],
    [{ normEps: 0 }, /config\.normEps must be a positive number/],
    [{ eosId: 9999 }, /eosId 2 must be below vocabSize|bosId .* eosId 9999 must be below vocabSize/],
    [{ layers: [{ ffn: [0], heads: [0, 1], kvHeads: [0] }] as never }, /config\.layers has 1 entries, nLayers is 2/],
    [
      {
        layers: [
          { heads: [0], kvHeads: [0] },
          { ffn: [0], heads: [0], kvHeads: [0] },
        ] as never,
      },
      /config\.layers\[0\]\.ffn must be a list of kept indices, got nothing/,
    ],
  ];
  for (const [change, msg] of bad) {
    const c = base();
    if (typeof change === 'function') change(c);
    else Object.assign(c, change);
    assert.throws(() => validateConfig(c), msg, JSON.stringify(change));
  }
  assert.throws(() => validateConfig(undefined as never), /config must be an object/);
  const hd = { ...base(), dHead: 16 };
  validateConfig(hd, { headDimFree: true });
});

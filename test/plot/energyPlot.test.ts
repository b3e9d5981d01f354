import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moduleEnergyPlot } from '../../src/plot/energyPlot';
import { moduleEnergies } from '../../src/prune/moduleEnergies';
import { matchSnapshot } from './snapshot';

const ids = ['layers.0.attn', 'layers.0.ffn', 'layers.1.attn', 'layers.1.ffn'];
const energies = moduleEnergies(
  [
    { unitEnergies: Float64Array.from([4, 5, 6, 7]), cost: 100 },
    { unitEnergies: Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), cost: 10 },
    { unitEnergies: Float64Array.from([8, 9, 10, 11]), cost: 100 },
    { unitEnergies: Float64Array.from([0.3, 0.1, 0.9, 0.4, 0.2, 0.2]), cost: 10 },
  ],
  0.5,
);

test('energy bars: attention and FFN series hold their modules E_m, in module order on the axis', () => {
  const spec = moduleEnergyPlot(ids, energies);
  assert.deepEqual(
    spec.data.map((t) => t.name),
    ['E_m attention', 'E_m FFN'],
  );
  assert.deepEqual(spec.data[0].x, ['L0 attn', 'L1 attn']);
  assert.deepEqual(spec.data[0].y, [energies.E[0], energies.E[2]]);
  assert.deepEqual(spec.data[1].y, [energies.E[1], energies.E[3]]);
  assert.deepEqual((spec.layout.xaxis as { categoryarray: string[] }).categoryarray, ['L0 attn', 'L0 ffn', 'L1 attn', 'L1 ffn']);
  matchSnapshot('energies', spec);
});

test('energy bars with a sparsity overlay on a right axis; mismatched lengths are errors', () => {
  const spec = moduleEnergyPlot(ids, energies, { sparsity: [0.1, 0.5, 0.05, 0.45] });
  const overlay = spec.data[2];
  assert.equal(overlay.yaxis, 'y2');
  assert.deepEqual(overlay.y, [0.1, 0.5, 0.05, 0.45]);
  assert.equal((spec.layout.yaxis2 as { overlaying: string }).overlaying, 'y');
  assert.throws(() => moduleEnergyPlot(ids.slice(1), energies), /3 ids for 4 energies/);
  assert.throws(() => moduleEnergyPlot(ids, energies, { sparsity: [1] }), /1 values for 4 modules/);
});

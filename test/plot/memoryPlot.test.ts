import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryScalingPlot } from '../../src/plot/memoryPlot';
import { matchSnapshot } from './snapshot';

test('memory plot: measured series get markers and a fitted line over their range; model series a plain line', () => {
  const MiB = 1024 * 1024;
  const spec = memoryScalingPlot([
    { label: 'global', params: [4e5, 1e5, 1.6e6], bytes: [8 * MiB, 2 * MiB, 32 * MiB] },
    { label: 'structprune', params: [1e5, 4e5, 1.6e6], bytes: [1 * MiB, 2 * MiB, 4 * MiB] },
    { label: 'OPT (model)', kind: 'model', params: [1.25e8, 1.3e9], bytes: [100 * MiB, 400 * MiB] },
  ]);
  assert.deepEqual(
    spec.data.map((t) => t.name),
    ['global ∝ N^1.00', 'fit global', 'structprune ∝ N^0.50', 'fit structprune', 'OPT (model)'],
  );
  assert.deepEqual(spec.data[0].x, [1e5, 4e5, 1.6e6], 'sorted by N');
  assert.deepEqual(spec.data[0].y, [2, 8, 32], 'MiB');
  const fit = spec.data[3];
  assert.deepEqual(fit.x, [1e5, 1.6e6]);
  assert.ok(Math.abs((fit.y[0] as number) - 1) < 1e-9 && Math.abs((fit.y[1] as number) - 4) < 1e-9);
  assert.equal(spec.data[4].mode, 'lines');
  assert.equal((spec.layout.xaxis as { type: string }).type, 'log');
  matchSnapshot('memory', spec);
  assert.throws(() => memoryScalingPlot([{ label: 'x', params: [1], bytes: [] }]), /1 params but 0 bytes/);
  const noFit = memoryScalingPlot([{ label: 'one', params: [0, 5], bytes: [1, 2] }]);
  assert.deepEqual(
    noFit.data.map((t) => t.name),
    ['one'],
    'fewer than two positive points: markers only, no fit',
  );
});

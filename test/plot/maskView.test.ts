import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskPlot, sortedMask } from '../../src/plot/maskView';
import { MaskView } from '../../src/prune/admm/run';
import { matchSnapshot } from './snapshot';

// A module that was pruned before: its current units are the original indices 1, 3, 4, 8, 9 (positions 0..4).
const view: MaskView = {
  id: 'layers.2.ffn',
  scores: Float64Array.from([0.5, 0.1, 0.9, 0.05, 0.3]),
  threshold: 0.31,
  units: [1, 3, 4, 8, 9],
  removedAt: [false, true, false, true, true],
  kept: [1, 4],
  removed: [8, 9, 3], // kept/removed in any order
};
// positions → units: 0→1, 1→3, 2→4, 3→8, 4→9; removed = {3, 8, 9} (scores 0.1, 0.05, 0.3), kept = {1, 4} (0.5, 0.9)

test('sortedMask maps positions to original unit indices and sorts by score', () => {
  const s = sortedMask(view);
  assert.deepEqual(s.score, [0.05, 0.1, 0.3, 0.5, 0.9]);
  assert.deepEqual(s.unit, [8, 3, 9, 1, 4]);
  assert.deepEqual(s.removed, [true, true, true, false, false]);
  assert.deepEqual(s.rank, [0, 1, 2, 3, 4]);
  assert.throws(() => sortedMask({ ...view, units: [1, 3, 4, 8] }), /5 scores but 4 units/);
});

test('mask plot: kept and removed markers split at the threshold line; log scale when all scores > 0', () => {
  const spec = maskPlot(view);
  const [kept, removed, thr] = spec.data;
  assert.deepEqual(kept.y, [0.5, 0.9]);
  assert.deepEqual(removed.y, [0.05, 0.1, 0.3]);
  assert.deepEqual(removed.x, [0, 1, 2]);
  for (const y of removed.y as number[]) assert.ok(y < view.threshold);
  for (const y of kept.y as number[]) assert.ok(y >= view.threshold);
  assert.deepEqual(thr.y, [0.31, 0.31]);
  assert.deepEqual(thr.x, [-0.5, 4.5]);
  assert.equal((spec.layout.yaxis as { type: string }).type, 'log');
  matchSnapshot('maskView', spec);
});

test('mask plot grid: three traces per module on its own axes; legend once; no line for an infinite threshold', () => {
  const all: MaskView = { ...view, id: 'layers.0.attn', threshold: Infinity, removedAt: [true, true, true, true, true], kept: [], removed: [1, 3, 4, 8, 9] };
  const spec = maskPlot([view, all, { ...view, scores: Float64Array.from([0, 1, 2, 3, 4]) }], { columns: 2 });
  assert.equal(spec.data.length, 9);
  assert.deepEqual(
    spec.data.map((t) => t.xaxis),
    ['x', 'x', 'x', 'x2', 'x2', 'x2', 'x3', 'x3', 'x3'],
  );
  assert.deepEqual(
    spec.data.map((t) => t.showlegend),
    [true, true, true, false, false, false, false, false, false],
  );
  assert.deepEqual(spec.data[5].y, [null, null]);
  assert.equal((spec.layout.yaxis3 as { type: string }).type, 'linear', 'a zero score forces a linear axis');
  assert.throws(() => maskPlot([]), /no mask views/);
});

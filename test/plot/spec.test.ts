import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gridAxes, expectedMarks, finiteOrNull, moduleLabel, seriesColor, PALETTE, axisId, axisKey, PlotSpec } from '../../src/plot/spec';

test('gridAxes: n subplots, row by row from the top, disjoint domains inside [0, 1], anchored pairwise', () => {
  for (const [n, cols] of [
    [1, 1],
    [4, 1],
    [5, 2],
    [6, 3],
    [3, 5],
  ] as const) {
    const axes = gridAxes(n, cols);
    assert.equal(Object.keys(axes).length, 2 * n);
    const boxes = Array.from({ length: n }, (_, k) => ({ x: axes[axisKey('x', k)].domain as number[], y: axes[axisKey('y', k)].domain as number[] }));
    boxes.forEach((b, k) => {
      for (const [lo, hi] of [b.x, b.y]) assert.ok(lo >= -1e-12 && hi <= 1 + 1e-12 && hi > lo, `subplot ${k} domain [${lo}, ${hi}]`);
      assert.equal(axes[axisKey('x', k)].anchor, axisId('y', k));
      assert.equal(axes[axisKey('y', k)].anchor, axisId('x', k));
      for (let j = 0; j < k; j++) {
        const o = boxes[j];
        const overlap = Math.min(b.x[1], o.x[1]) > Math.max(b.x[0], o.x[0]) && Math.min(b.y[1], o.y[1]) > Math.max(b.y[0], o.y[0]);
        assert.ok(!overlap, `subplots ${j} and ${k} overlap`);
      }
    });
    if (n > 1 && cols > 1) assert.ok(boxes[0].x[0] < boxes[1].x[0], 'second subplot is to the right of the first');
    if (n > cols) assert.ok(boxes[cols].y[1] <= boxes[0].y[0] + 1e-12, 'second row is below the first');
  }
  assert.throws(() => gridAxes(0, 1), /n = 0/);
});

test('expectedMarks counts what plotly draws: bars per x, markers at finite (log: positive) values, empty traces none', () => {
  const spec: PlotSpec = {
    data: [
      { type: 'bar', x: [0, 1, 2], y: [null, 1, 0] },
      { type: 'scatter', mode: 'markers', x: [0, 1, 2], y: [null, 1, 0], yaxis: 'y2' },
      { type: 'scatter', mode: 'markers', x: [0, 1, 2], y: [NaN, 1, 0] },
      { type: 'scatter', mode: 'lines', x: [0, 1], y: [1, 2] },
      { type: 'scatter', mode: 'markers', x: [], y: [] },
    ],
    layout: { yaxis2: { type: 'log' } },
  };
  // bars 3 (null bar still has a .point), log markers 1 (0 and null dropped), linear markers 2, lines 0
  assert.deepEqual(expectedMarks(spec), { traces: 4, points: 3 + 1 + 2 });
});

test('finiteOrNull, moduleLabel, seriesColor', () => {
  assert.equal(finiteOrNull(2), 2);
  assert.equal(finiteOrNull(0, true), null);
  assert.equal(finiteOrNull(0), 0);
  assert.equal(finiteOrNull(Infinity), null);
  assert.equal(finiteOrNull(undefined), null);
  assert.equal(moduleLabel('layers.12.ffn'), 'L12 ffn');
  assert.equal(moduleLabel('embed'), 'embed');
  assert.equal(seriesColor(PALETTE.length + 1), PALETTE[1]);
  assert.equal(seriesColor(-1), PALETTE[PALETTE.length - 1]);
});

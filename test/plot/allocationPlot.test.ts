import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocationCurves, allocationTemperaturePlot } from '../../src/plot/allocationPlot';
import { logspace } from '../../src/util/numeric';
import { matchSnapshot } from './snapshot';

const input = {
  modules: [
    { n: 8, cost: 1024, E: 0.9 },
    { n: 172, cost: 192, E: -1.2 },
    { n: 8, cost: 1024, E: 1.1 },
    { n: 172, cost: 192, E: -0.8 },
  ],
  budget: 0,
};
const total = input.modules.reduce((a, m) => a + m.n * m.cost, 0);
input.budget = 0.3 * total;

test('logspace: endpoints and ratio', () => {
  const t = logspace(-1, 2, 4);
  assert.deepEqual(
    t.map((x) => Number(x.toPrecision(12))),
    [0.1, 1, 10, 100],
  );
  assert.throws(() => logspace(0, 1, 1), /n = 1/);
});

test('allocation curves: every point meets the budget; hot → uniform; cold → lowest energy first', () => {
  const c = allocationCurves(input, { temperatures: [0.01, 1, 1e4], labels: ['layers.0.attn', 'layers.0.ffn', 'layers.1.attn', 'layers.1.ffn'] });
  assert.deepEqual(c.labels, ['L0 attn', 'L0 ffn', 'L1 attn', 'L1 ffn']);
  assert.ok(Math.abs(c.uniform - 0.3) < 1e-12);
  for (const curve of c.curves) {
    for (const a of curve.achieved) assert.ok(a >= 0.3 - 1e-12 && a < 0.3 + 1024 / total + 1e-12, `${curve.kind}: achieved ${a}`);
    const hot = curve.fractions[2];
    for (const s of hot) assert.ok(Math.abs(s - 0.3) < 1e-3, `${curve.kind} at T = 1e4: ${s}`);
    const cold = curve.fractions[0];
    assert.ok(cold[1] > cold[3] && cold[3] > cold[0] && cold[0] >= cold[2], `${curve.kind} at T = 0.01 follows the energies: ${cold}`);
  }
  assert.throws(() => allocationCurves(input, { labels: ['a'] }), /1 labels for 4 modules/);
});

test('allocation vs temperature plot: one panel per rule, one line per module + uniform', () => {
  const c = allocationCurves(input, { temperatures: logspace(-1, 1, 5) });
  const spec = allocationTemperaturePlot(c);
  assert.equal(spec.data.length, 2 * (4 + 1));
  assert.deepEqual([...new Set(spec.data.map((t) => t.xaxis))], ['x', 'x2']);
  assert.equal(spec.data.filter((t) => t.showlegend).length, 5, 'legend once per module and uniform');
  assert.deepEqual(
    spec.data[1].y,
    c.curves[0].fractions.map((row) => row[1]),
  );
  assert.equal((spec.layout.xaxis2 as { type: string }).type, 'log');
  matchSnapshot('allocationTemperature', spec);
});

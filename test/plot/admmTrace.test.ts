import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admmTracePlot } from '../../src/plot/admmTrace';
import { syntheticTrace } from './fixtures';
import { matchSnapshot } from './snapshot';

test('ADMM trace: objective, two residuals, ρ and flips on four stacked panels', () => {
  const reports = syntheticTrace();
  const spec = admmTracePlot(reports);
  assert.deepEqual(
    spec.data.map((t) => t.yaxis),
    ['y', 'y2', 'y2', 'y3', 'y4'],
  );
  assert.deepEqual(
    spec.data.map((t) => t.type),
    ['scatter', 'scatter', 'scatter', 'scatter', 'bar'],
  );
  for (const t of spec.data)
    assert.deepEqual(
      t.x,
      reports.map((r) => r.iteration),
    );
  assert.deepEqual(
    spec.data[0].y,
    reports.map((r) => r.objective),
  );
  // iteration 0 has no ρ, dual residual or flips: left out, not drawn as 0 on a log axis
  for (const k of [2, 3, 4]) assert.equal(spec.data[k].y[0], null);
  assert.deepEqual(
    spec.data[3].y.slice(1),
    reports.slice(1).map((r) => r.rho),
  );
  assert.deepEqual(
    spec.data[4].y.slice(1),
    reports.slice(1).map((r) => r.flipped),
  );
  const layout = spec.layout as Record<string, { type?: string; matches?: string }>;
  assert.deepEqual([layout.yaxis.type, layout.yaxis2.type, layout.yaxis3.type, layout.yaxis4.type], ['linear', 'log', 'log', 'linear']);
  assert.equal(layout.xaxis4.matches, 'x', 'panels share the iteration axis');
  matchSnapshot('admmTrace', spec);
});

test('ADMM trace: non-positive residuals are gaps on the log panel; no reports is an error', () => {
  const reports = syntheticTrace();
  reports[5].primalResidual = 0;
  assert.equal(admmTracePlot(reports).data[1].y[5], null);
  assert.throws(() => admmTracePlot([]), /no reports/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { perplexityPlot, PerplexityPoint } from '../../src/plot/perplexityPlot';
import { matchSnapshot } from './snapshot';

const rows: PerplexityPoint[] = [
  { label: 'dense', sparsity: 0, ppl: 3.98, achieved: 0 },
  { label: 'local', sparsity: 0.4, ppl: 14.1, achieved: 0.401 },
  { label: 'structprune', sparsity: 0.2, ppl: 6.17, achieved: 0.2003 },
  { label: 'local', sparsity: 0.2, ppl: 6.27, achieved: 0.2031 },
  { label: 'structprune', sparsity: 0.4, ppl: 14.89, achieved: 0.4006 },
];

test('perplexity plot: one line per method sorted by sparsity, dense as a dashed reference, log y', () => {
  const spec = perplexityPlot(rows);
  assert.deepEqual(
    spec.data.map((t) => t.name),
    ['local', 'structprune', 'dense (3.980)'],
  );
  assert.deepEqual(spec.data[0].x, [0.2, 0.4]);
  assert.deepEqual(spec.data[0].y, [6.27, 14.1]);
  assert.deepEqual(spec.data[2].x, [0, 0.4]);
  assert.deepEqual(spec.data[2].y, [3.98, 3.98]);
  assert.equal((spec.layout.yaxis as { type: string }).type, 'log');
  matchSnapshot('perplexity', spec);
});

test('perplexity plot: x can be the achieved sparsity; a missing field or no rows is an error', () => {
  const spec = perplexityPlot(rows, { x: 'achieved', log: false });
  assert.deepEqual(spec.data[1].x, [0.2003, 0.4006]);
  assert.equal((spec.layout.yaxis as { type: string }).type, 'linear');
  assert.throws(() => perplexityPlot(rows, { x: 'paramSparsity' }), /has no "paramSparsity"/);
  assert.throws(() => perplexityPlot([]), /no rows/);
});

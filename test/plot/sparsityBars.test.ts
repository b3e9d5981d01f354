import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moduleSparsityPlot, ModuleSparsity } from '../../src/plot/sparsityBars';
import { matchSnapshot } from './snapshot';

const perModule = (removed: number[]): ModuleSparsity[] =>
  removed.map((r, i) => {
    const units = i % 2 === 0 ? 8 : 172;
    return { id: `layers.${Math.floor(i / 2)}.${i % 2 === 0 ? 'attn' : 'ffn'}`, units, removed: r, sparsity: r / units };
  });

test('sparsity bars: one bar per module at removed/units, short labels, target line', () => {
  const pm = perModule([0, 52, 1, 60, 2, 40]);
  const spec = moduleSparsityPlot(pm, { target: 0.3 });
  assert.equal(spec.data.length, 1);
  assert.deepEqual(spec.data[0].x, ['L0 attn', 'L0 ffn', 'L1 attn', 'L1 ffn', 'L2 attn', 'L2 ffn']);
  assert.deepEqual(
    spec.data[0].y,
    pm.map((m) => m.sparsity),
  );
  assert.deepEqual(spec.data[0].text, ['0/8', '52/172', '1/8', '60/172', '2/8', '40/172']);
  const shapes = spec.layout.shapes as { y0: number; y1: number }[];
  assert.equal(shapes[0].y0, 0.3);
  // labels above the bars, so "0/8" shows for a module with nothing removed; the target label in the right
  // margin (x ≥ 1 of the paper, anchored left), where it cannot overlap a bar or a bar label
  assert.equal(spec.data[0].textposition, 'outside');
  const ann = (spec.layout.annotations as { x: number; xanchor: string; text: string }[])[0];
  assert.ok(ann.x >= 1 && ann.xanchor === 'left', JSON.stringify(ann));
  assert.ok((spec.layout.margin as { r: number }).r >= 70);
  assert.equal(spec.layout.showlegend, false);
  matchSnapshot('sparsityBars', spec);
});

test('sparsity bars: several series are grouped and aligned by module id', () => {
  const a = perModule([0, 52, 1, 60]);
  const b = perModule([3, 20, 0, 90]).reverse().slice(1); // other order, layers.1.ffn missing
  const spec = moduleSparsityPlot([
    { label: 'a', perModule: a },
    { label: 'b', perModule: b },
  ]);
  assert.equal(spec.layout.barmode, 'group');
  assert.deepEqual(
    spec.data.map((t) => t.name),
    ['a', 'b'],
  );
  assert.deepEqual(spec.data[1].y, [3 / 8, 20 / 172, 0, null]);
  assert.deepEqual(spec.data[1].text, ['3/8', '20/172', '0/8', '']);
  assert.throws(() => moduleSparsityPlot([]), /no modules/);
});

// The display protocol: library objects recognised by shape, the Jupyter.display symbol, the plotly loader
// once per kernel session, and display/clearOutput through a (fake) kernel hook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toMimeBundle, kernelBundles, display, clearOutput, JUPYTER_DISPLAY, KernelHook, DisplayContent, PLOTLY_MIME } from '../../src/plot/display';
import { PlotSpec } from '../../src/plot/spec';
import { UsageError } from '../../src/errors';

const spec: PlotSpec = { data: [{ type: 'scatter', mode: 'markers', x: [1, 2, 3], y: [3, 1, 2] }], layout: { title: { text: 'three points' } } };

function fakeHook(): KernelHook & { shown: DisplayContent[]; cleared: boolean[] } {
  const shown: DisplayContent[] = [];
  const cleared: boolean[] = [];
  return { name: 'fake', loaded: new Set(), shown, cleared, display: (c) => shown.push(c), clearOutput: (w = false) => cleared.push(w) };
}

function withHook<T>(hook: KernelHook | undefined, fn: () => T): T {
  const key = Symbol.for('structprune.kernel');
  const g = globalThis as Record<symbol, unknown>;
  const before = g[key];
  g[key] = hook;
  try {
    return fn();
  } finally {
    g[key] = before;
  }
}

test('a plot spec becomes plot HTML, the plotly JSON and a one-line text', () => {
  const b = toMimeBundle(spec);
  assert.ok(b);
  assert.match(String(b['text/html']), /class="structprune-plot" data-traces="1" data-points="3"/);
  assert.deepEqual(b[PLOTLY_MIME], { data: spec.data, layout: spec.layout });
  assert.equal(b['text/plain'], '[plot] three points: 1 traces, 3 points');
});

test('library results render as HTML summaries with a text/plain fallback', () => {
  const perModule = [{ id: 'layers.0.ffn', units: 8, removed: 3, sparsity: 0.375 }];
  const state = {
    iteration: 4,
    rho: 0.2,
    stable: 1,
    converged: false,
    modules: [],
    reports: [{ iteration: 4, lambda: 0.5, primalResidual: 1e-3, dualResidual: 2e-4, objective: 12.5, sparsity: 0.3, flipped: 2, perModule }],
  };
  const s = toMimeBundle(state);
  assert.ok(s);
  assert.match(String(s['text/html']), /AdmmState, iteration 4<\/b>/);
  assert.match(String(s['text/html']), /<td>layers\.0\.ffn<\/td><td>8<\/td><td>3<\/td><td>0\.375<\/td>/);
  assert.match(String(s['text/plain']), /^AdmmState, iteration 4\n {2}rho \(next\): 0\.2/);

  const report = {
    method: 'structprune',
    targetSparsity: 0.3,
    sparsity: 0.31,
    paramSparsity: 0.29,
    params: { dense: 100, pruned: 71 },
    perModule,
    seconds: { total: 2.5 },
    admm: { iterations: 7, converged: true },
  };
  const r = toMimeBundle(report);
  assert.ok(r);
  assert.match(String(r['text/plain']), /PruneReport: structprune at 0\.3\n(.|\n)*ADMM iterations: 7/);

  const mask = { id: 'layers.1.attn', scores: Float64Array.from([0.5, 0.1, 0.9]), threshold: 0.2, kept: [0, 2], removed: [1] };
  const m = toMimeBundle(mask);
  assert.ok(m);
  assert.match(String(m['text/plain']), /MaskView layers\.1\.attn\n {2}units: 3\n {2}kept: 2\n {2}removed: 1/);
  assert.match(String(m['text/plain']), /\n1 +0\.1 +yes\n/); // the lowest score first, marked removed

  const alloc = {
    kind: 'softmax',
    temperature: 1,
    sMax: 0.9,
    budget: 30,
    totalCost: 100,
    fractions: Float64Array.from([0.2, 0.4]),
    budgetResidual: 0,
    counts: [2, 4],
    removedCost: 30,
    achievedSparsity: 0.3,
    deficit: 0,
    capped: 0,
  };
  const a = toMimeBundle(alloc);
  assert.ok(a);
  assert.match(String(a['text/html']), /Allocation softmax \(T = 1\)/);
});

test('an array of flat records is an HTML table; unknown values are left to the caller', () => {
  const t = toMimeBundle([
    { method: 'local', s: 0.3, ppl: 9.4412 },
    { method: 'structprune', s: 0.3, ppl: 9.7333 },
  ]);
  assert.ok(t);
  assert.match(String(t['text/html']), /<thead><tr><th>method<\/th><th>s<\/th><th>ppl<\/th><\/tr><\/thead>/);
  assert.equal(t['text/plain'], 'method       s    ppl\nlocal        0.3  9.441\nstructprune  0.3  9.733');
  assert.equal(toMimeBundle(42), null);
  assert.equal(toMimeBundle([{ nested: { a: 1 } }]), null);
  assert.equal(toMimeBundle(new Map()), null);
});

test('a value with a Symbol.for("Jupyter.display") method supplies its own bundle', () => {
  const v = { [JUPYTER_DISPLAY]: () => ({ 'text/markdown': '**hi**' }) };
  const b = toMimeBundle(v);
  assert.ok(b);
  assert.equal(b['text/markdown'], '**hi**');
  assert.equal(typeof b['text/plain'], 'string');
});

test('the kernel gets the plotly loader before the first plot of a session only', () => {
  const hook = fakeHook();
  const first = kernelBundles(spec, hook);
  const second = kernelBundles(spec, hook);
  assert.ok(first && second);
  assert.equal(first.length, 2);
  assert.match(String(first[0].data['text/html']), /^<script>/);
  assert.equal(second.length, 1);
  assert.ok(PLOTLY_MIME in second[0].data);
  assert.equal(kernelBundles(7, hook), null);
});

test('display and clearOutput go through the kernel hook, and name the fix outside a kernel', () => {
  const hook = fakeHook();
  withHook(hook, () => {
    display([{ a: 1 }]);
    display(5);
    clearOutput(true);
  });
  assert.equal(hook.shown.length, 2);
  assert.match(String(hook.shown[0].data['text/html']), /<td>1<\/td>/);
  assert.deepEqual(hook.shown[1].data, { 'text/plain': '5' });
  assert.deepEqual(hook.cleared, [true]);
  withHook(undefined, () => {
    assert.throws(
      () => display(1),
      (e: unknown) => e instanceof UsageError && /structprune-ts notebook kernel/.test(e.message),
    );
    assert.throws(() => clearOutput(), UsageError);
  });
});

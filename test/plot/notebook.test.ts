import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initPlotly, show, specSummary, NotebookDisplay } from '../../src/plot/notebook';
import { PlotSpec } from '../../src/plot/spec';

const spec: PlotSpec = { data: [{ type: 'bar', name: 'b', x: ['a', 'b'], y: [1, 2] }], layout: { title: { text: 'Bars' } } };

function recorder(): NotebookDisplay & { sent: Record<string, unknown>[] } {
  const sent: Record<string, unknown>[] = [];
  return { sent, bundle: (d) => sent.push(d) };
}

test('show sends one display with HTML, the plotly MIME spec and a text summary', () => {
  const d = recorder();
  show(spec, d);
  show(spec, d);
  assert.equal(d.sent.length, 2);
  const [a, b] = d.sent;
  assert.deepEqual(Object.keys(a).sort(), ['application/vnd.plotly.v1+json', 'text/html', 'text/plain']);
  assert.deepEqual(a['application/vnd.plotly.v1+json'], { data: spec.data, layout: spec.layout });
  assert.equal(a['text/plain'], '[plot] Bars: 1 traces, 2 points');
  const id = (x: Record<string, unknown>) => /<div id="([^"]+)"/.exec(x['text/html'] as string)![1];
  assert.notEqual(id(a), id(b), 'each plot gets its own div id');
  assert.equal(specSummary({ data: [], layout: {} }), '[plot] plot: 0 traces, 0 points');
});

test('initPlotly sends the plotly bundle as HTML once', () => {
  const d = recorder();
  initPlotly(d);
  assert.equal(d.sent.length, 1);
  const html = d.sent[0]['text/html'] as string;
  assert.ok(html.startsWith('<script>') && html.includes('window.Plotly = Plotly') && html.length > 1e6);
});

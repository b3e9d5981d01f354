import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  escapeHtml,
  htmlPage,
  htmlTable,
  plotFragment,
  plotlyBundlePath,
  reportSections,
  scriptJson,
  writeHtmlReport,
  HtmlReportFields,
  PLOT_CLASS,
} from '../../src/plot/html';
import { PlotSpec } from '../../src/plot/spec';
import { syntheticTrace } from './fixtures';
import { AdmmReport } from '../../src/prune/admm/step';

const spec: PlotSpec = {
  data: [{ type: 'scatter', mode: 'markers', name: '</script><b>', x: [1, 2, 3], y: [1, null, 3] }],
  layout: { title: { text: 't' }, height: 300 },
};

/** The spec a fragment embeds, parsed back from its script. */
function embedded(html: string): PlotSpec[] {
  return [...html.matchAll(/var spec = (.*);\n/g)].map((m) => JSON.parse(m[1]) as PlotSpec);
}

test('scriptJson cannot end a <script> element and round-trips through JSON.parse', () => {
  const v = { a: '</script><script>alert(1)</script>', b: 'line\u2028sep' };
  const s = scriptJson(v);
  assert.ok(!s.includes('</'), s);
  assert.ok(!s.includes('\u2028'));
  assert.deepEqual(JSON.parse(s), v);
  assert.equal(escapeHtml(`<a href="x">&'`), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
});

test('plotFragment: a div with the expected marks and a script that draws exactly the spec', () => {
  const html = plotFragment(spec, 'p-1');
  assert.match(html, new RegExp(`<div id="p-1" class="${PLOT_CLASS}" data-traces="1" data-points="2"`));
  assert.deepEqual(embedded(html), [JSON.parse(JSON.stringify(spec))]);
  assert.match(html, /min-height:300px/);
  assert.throws(() => plotFragment(spec, '1bad id'), /must start with a letter/);
});

test('htmlPage inlines plotly once, numbers plots in order, and leaves it out when there is no plot', () => {
  const page = htmlPage('A & B', [{ heading: 'one', spec }, { html: htmlTable(['k', 'v'], [['x', 1]]) }, { spec }]);
  const bundleBytes = fs.statSync(plotlyBundlePath()).size;
  assert.ok(page.length > bundleBytes, 'bundle inlined');
  assert.equal(page.split('window.Plotly = Plotly').length - 1, 1, 'bundle inlined exactly once');
  assert.ok(page.indexOf('id="plot-0"') < page.indexOf('id="plot-1"'));
  assert.match(page, /<title>A &amp; B<\/title>/);
  assert.match(page, /<td>x<\/td><td>1<\/td>/);
  const noPlot = htmlPage('t', [{ html: '<p>hi</p>' }]);
  assert.ok(noPlot.length < 2000 && !noPlot.includes('<script'));
});

function fakeReport(): HtmlReportFields {
  const perModule = [
    { id: 'layers.0.attn', units: 8, removed: 1, sparsity: 0.125 },
    { id: 'layers.0.ffn', units: 172, removed: 60, sparsity: 60 / 172 },
  ];
  const trace = syntheticTrace();
  return {
    method: 'structprune',
    targetSparsity: 0.3,
    sparsity: 0.3004,
    paramSparsity: 0.29,
    params: { dense: 260032, pruned: 198208, densePrunable: 206080, prunedPrunable: 144256 },
    perModule,
    calibration: { samples: 32, seqlen: 128, tokens: 4096 },
    admm: { iterations: 7, converged: true, finalReport: trace[7] as unknown as AdmmReport },
    seconds: { stats: 1, select: 2, finalize: 0.5, total: 3.5 },
    options: { admm: { allocation: 'threshold' } },
    model: 'stories260K',
    perplexity: { 'tinystories-val': 9.4551 },
  };
}

test('report sections: summary, sparsity plot + table, ADMM trace only when there is one', () => {
  const withTrace = reportSections({ report: fakeReport(), trace: syntheticTrace() as unknown as AdmmReport[] });
  assert.deepEqual(
    withTrace.map((s) => s.heading),
    ['Summary', 'Sparsity per module', undefined, 'ADMM trace'],
  );
  assert.match(withTrace[0].html!, /perplexity \(tinystories-val\)<\/td><td>9\.4551/);
  assert.match(withTrace[0].html!, /260,032 → 198,208/);
  // the key/value summary has no header row: its first row is the model, not an empty row
  assert.doesNotMatch(withTrace[0].html!, /<thead>/);
  assert.match(withTrace[0].html!, /<tbody>\n<tr><td>model<\/td><td>stories260K<\/td><\/tr>/);
  assert.match(htmlTable(['k', 'v'], [['x', 1]]), /<thead><tr><th>k<\/th><th>v<\/th><\/tr><\/thead>/);
  assert.deepEqual(withTrace[1].spec!.data[0].y, [0.125, 60 / 172]);
  assert.equal(withTrace[3].spec!.data.length, 5);
  const baseline = reportSections({ report: { ...fakeReport(), method: 'local', admm: undefined, options: {} } });
  assert.equal(baseline.length, 3);
});

test('writeHtmlReport writes one self-contained page with both plots', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sp-report-'));
  try {
    const file = path.join(dir, 'report.html');
    writeHtmlReport(file, { report: fakeReport(), trace: syntheticTrace() as unknown as AdmmReport[] });
    const html = fs.readFileSync(file, 'utf8');
    assert.match(html, /<title>StructPrune report: structprune at sparsity 0.3 \(stories260K\)<\/title>/);
    const specs = embedded(html);
    assert.equal(specs.length, 2);
    assert.equal((specs[1].layout.title as { text: string }).text, 'ADMM trace');
    assert.deepEqual(fs.readdirSync(dir), ['report.html'], 'no temp file left behind');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

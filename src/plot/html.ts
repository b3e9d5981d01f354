// Specs to HTML: the fragment that draws one spec (a div and a script calling Plotly.newPlot), the inlined
// plotly.js bundle, and standalone pages — `writeHtmlPage` for any list of sections and `writeHtmlReport`
// for the report of `structprune prune … --report report.html`. The page needs no network: the bundle
// (plotly.js-dist-min, ≈ 4.8 MB) is inlined once.
import * as fs from 'fs';
import { PruneReport } from '../prune/prune';
import { AdmmReport } from '../prune/admm/step';
import * as path from 'path';
import { writeFileAtomic } from '../io/atomic';
import { checkOutputFile } from '../io/outputPath';
import { UsageError } from '../errors';
import { PlotSpec, expectedMarks } from './spec';
import { admmTracePlot } from './admmTrace';
import { moduleSparsityPlot } from './sparsityBars';

/** CSS class of every plot div; the notebook DOM check (scripts/run-notebooks.py) looks for it. */
export const PLOT_CLASS = 'structprune-plot';

/** JSON safe to embed in a <script> element (no `</script>`, no line separators that break JS strings). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * The HTML that draws `spec` into a new div with this id: the div carries `data-traces` and `data-points`
 * (what the browser should draw, for the DOM check). The script waits up to 20 s for `window.Plotly`
 * (loaded by `plotlyScript()` earlier on the page or in the notebook), then draws; without it, it writes
 * an explanation into the div instead. `id` must be unique on the page (letters, digits, '-', '_').
 */
export function plotFragment(spec: PlotSpec, id: string): string {
  if (!/^[A-Za-z][\w-]*$/.test(id)) throw new RangeError(`plotFragment: id "${id}" must start with a letter and hold only letters, digits, '-' and '_'`);
  const { traces, points } = expectedMarks(spec);
  const height = typeof spec.layout.height === 'number' ? spec.layout.height : 450;
  const config = { responsive: true, displaylogo: false };
  return (
    `<div id="${id}" class="${PLOT_CLASS}" data-traces="${traces}" data-points="${points}" style="width:100%;min-height:${height}px"></div>\n` +
    `<script>(function () {\n` +
    `  var spec = ${scriptJson(spec)};\n` +
    `  var tries = 0;\n` +
    `  function draw() {\n` +
    `    var el = document.getElementById(${scriptJson(id)});\n` +
    `    if (el && window.Plotly) { window.Plotly.newPlot(el, spec.data, spec.layout, ${scriptJson(config)}); return; }\n` +
    `    if (++tries < 400) { setTimeout(draw, 50); return; }\n` +
    `    if (el) el.textContent = 'plotly.js is not loaded: run initPlotly() (notebook) or open a page written by writeHtmlPage.';\n` +
    `  }\n` +
    `  draw();\n` +
    `})();</script>\n`
  );
}

/** Path of the plotly.js bundle, or a UsageError naming the fix. */
export function plotlyBundlePath(): string {
  try {
    return require.resolve('plotly.js-dist-min');
  } catch {
    throw new UsageError('plotly.js-dist-min is not installed: run `npm install` in the project (it is needed to draw plots in notebooks and HTML reports)');
  }
}

/** `<script>` element with the whole plotly.js bundle inlined (defines window.Plotly). */
export function plotlyScript(bundlePath: string = plotlyBundlePath()): string {
  const js = fs.readFileSync(bundlePath, 'utf8');
  // The bundle has no `</script` today; escape it anyway so a future version cannot end the element early.
  return `<script>\n${js.replace(/<\/script/gi, '<\\/script')}\n</script>\n`;
}

/** One section of a standalone page: a heading, then raw HTML and/or a plot. */
export interface HtmlSection {
  heading?: string;
  /** Trusted HTML inserted as is (use `escapeHtml`/`htmlTable` for data). */
  html?: string;
  spec?: PlotSpec;
}

/** A plain HTML table; cells are escaped. */
export function htmlTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (tag: string, v: string | number) => `<${tag}>${escapeHtml(String(v))}</${tag}>`;
  // a header of empty cells (a key/value table) is left out rather than drawn as an empty first row
  const head = header.some((h) => h !== '') ? `<thead><tr>${header.map((h) => cell('th', h)).join('')}</tr></thead>\n` : '';
  return `<table>\n${head}<tbody>\n${rows.map((r) => `<tr>${r.map((v) => cell('td', v)).join('')}</tr>`).join('\n')}\n</tbody>\n</table>\n`;
}

/** A complete self-contained page (plotly inlined once; plot ids `plot-0`, `plot-1`, … in order). */
export function htmlPage(title: string, sections: readonly HtmlSection[], bundlePath?: string): string {
  let k = 0;
  const body = sections
    .map((s) => [s.heading ? `<h2>${escapeHtml(s.heading)}</h2>\n` : '', s.html ?? '', s.spec ? plotFragment(s.spec, `plot-${k++}`) : ''].join(''))
    .join('\n');
  const style =
    'body{font-family:"Liberation Sans",Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}' +
    'table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}' +
    'th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}';
  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(title)}</title>\n<style>${style}</style>\n` +
    (k > 0 ? plotlyScript(bundlePath) : '') +
    `</head>\n<body>\n<h1>${escapeHtml(title)}</h1>\n${body}</body>\n</html>\n`
  );
}

/** Options of {@link writeHtmlPage} / {@link writeHtmlReport}. */
export interface WriteHtmlOptions {
  /** Replace an existing file (default false: an existing file is refused, see io/outputPath.ts). */
  force?: boolean;
}

/** Write `htmlPage(title, sections)` to `file` atomically (missing parent folders are created). */
export function writeHtmlPage(file: string, title: string, sections: readonly HtmlSection[], opts: WriteHtmlOptions = {}): void {
  checkOutputFile(file, { force: opts.force });
  const page = htmlPage(title, sections);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileAtomic(file, page);
}

/** The fields of a `PruneReport` the page shows, plus the CLI's extras (model name, perplexity per dataset). */
export type HtmlReportFields = Pick<
  PruneReport,
  'method' | 'targetSparsity' | 'sparsity' | 'paramSparsity' | 'params' | 'perModule' | 'calibration' | 'admm' | 'seconds'
> & {
  options: { admm?: { allocation: string } };
  model?: string;
  perplexity?: Record<string, number>;
};

/** What `writeHtmlReport` accepts: the prune report (the CLI's extended one too) and the ADMM trace. */
export interface HtmlReportInput {
  /** `PruneResult.report` (any object with its fields), optionally with `model` and `perplexity`. */
  report: HtmlReportFields;
  /** Every ADMM report in order (structprune only; omit or [] for the baselines). */
  trace?: readonly AdmmReport[];
}

/** The sections of the prune report page (summary, per-module sparsity plot and table, ADMM trace). */
export function reportSections({ report, trace }: HtmlReportInput): HtmlSection[] {
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  const summary: [string, string | number][] = [
    ['model', report.model ?? ''],
    ['method', report.method + (report.options.admm ? ` (allocation ${report.options.admm.allocation})` : '')],
    ['target sparsity', pct(report.targetSparsity)],
    ['achieved sparsity (unit cost)', pct(report.sparsity)],
    ['parameter sparsity (prunable)', pct(report.paramSparsity)],
    ['parameters', `${report.params.dense.toLocaleString('en-US')} → ${report.params.pruned.toLocaleString('en-US')}`],
    ['calibration', `${report.calibration.samples} × ${report.calibration.seqlen} tokens`],
    [
      'seconds (stats / select / finalize / total)',
      [report.seconds.stats, report.seconds.select, report.seconds.finalize, report.seconds.total].map((s) => s.toFixed(2)).join(' / '),
    ],
  ];
  if (report.admm) summary.push(['ADMM', `${report.admm.iterations} iterations, ${report.admm.converged ? 'converged' : 'stopped at the iteration limit'}`]);
  for (const [d, p] of Object.entries(report.perplexity ?? {})) summary.push([`perplexity (${d})`, p.toFixed(4)]);
  summary.push(['run it in llama.cpp', 'structprune export --format gguf --model SAVED_DIR --out model.gguf (docs/GGUF.md)']);
  const sections: HtmlSection[] = [
    {
      heading: 'Summary',
      html: htmlTable(
        ['', ''],
        summary.filter(([, v]) => v !== ''),
      ),
    },
    { heading: 'Sparsity per module', spec: moduleSparsityPlot(report.perModule, { target: report.targetSparsity }) },
    {
      html: htmlTable(
        ['module', 'units', 'removed', 'sparsity'],
        report.perModule.map((m) => [m.id, m.units, m.removed, m.sparsity.toFixed(3)]),
      ),
    },
  ];
  if (trace && trace.length > 0) sections.push({ heading: 'ADMM trace', spec: admmTracePlot(trace) });
  return sections;
}

/**
 * Write the standalone HTML report of one prune run (`structprune prune … --report report.html`):
 * summary table, per-module sparsity (plot and table) and, for structprune, the ADMM trace. Self-contained
 * (plotly inlined, ≈ 4.8 MB); written atomically. Throws a UsageError if plotly.js-dist-min is missing.
 */
export function writeHtmlReport(file: string, input: HtmlReportInput, opts: WriteHtmlOptions = {}): void {
  const title = `StructPrune report: ${input.report.method} at sparsity ${input.report.targetSparsity}${input.report.model ? ` (${input.report.model})` : ''}`;
  writeHtmlPage(file, title, reportSections(input), opts);
}

// The notebook adapter: display a plot spec in a tslab notebook. Call `initPlotly()` once per notebook
// (it inlines the plotly.js bundle as an HTML output, so the executed notebook, its nbconvert HTML and
// the live page all draw offline), then `show(spec)` per plot. Each plot is one display_data message with
//   text/html                        the div + Plotly.newPlot script (html.ts) — classic Notebook, nbconvert
//   application/vnd.plotly.v1+json  the spec itself — JupyterLab's and VS Code's plotly renderers
//   text/plain                       a one-line summary — consoles
// tslab's public `display` sends one MIME type per message, so the bundle goes through tslab's own
// display writer (`tslab/dist/jupyter`.lastWriteDisplayData, tslab 1.0.22), loaded lazily: nothing here
// runs outside a kernel, and the library does not depend on tslab.
import { randomBytes } from 'crypto';
import { UsageError } from '../errors';
import { PlotSpec, expectedMarks } from './spec';
import { plotFragment, plotlyScript } from './html';

/** Where display data goes: one call per display_data message (MIME type → content). */
export interface NotebookDisplay {
  bundle(data: Record<string, unknown>): void;
}

type WriteDisplayData = (content: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: Record<string, unknown> }, update: boolean) => void;

/** The display of the running tslab kernel. Throws a UsageError outside a tslab cell. */
export function tslabDisplay(): NotebookDisplay {
  let jupyter: { lastWriteDisplayData: WriteDisplayData | null };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    jupyter = require('tslab/dist/jupyter');
  } catch {
    throw new UsageError('show/initPlotly need the tslab kernel (npm devDependency tslab); outside a notebook write a page with writeHtmlPage(file, title, [{ spec }])');
  }
  return {
    bundle(data) {
      const write = jupyter.lastWriteDisplayData;
      if (!write) throw new UsageError('show/initPlotly must run inside a tslab notebook cell; outside a notebook use writeHtmlPage(file, title, [{ spec }])');
      write({ data, metadata: {}, transient: {} }, false);
    },
  };
}

/** Inline plotly.js into the notebook (≈ 4.8 MB output, once, before the first `show`). */
export function initPlotly(display: NotebookDisplay = tslabDisplay()): void {
  display.bundle({ 'text/html': plotlyScript(), 'text/plain': '[plotly.js loaded]' });
}

/** One-line text form of a spec: title and what it draws. */
export function specSummary(spec: PlotSpec): string {
  const title = (spec.layout.title as { text?: string } | undefined)?.text ?? 'plot';
  const { traces, points } = expectedMarks(spec);
  return `[plot] ${title}: ${traces} traces, ${points} points`;
}

/** Display a spec in the current notebook cell (see the header for the MIME types). */
export function show(spec: PlotSpec, display: NotebookDisplay = tslabDisplay()): void {
  const id = `sp-plot-${randomBytes(6).toString('hex')}`;
  display.bundle({
    'text/html': plotFragment(spec, id),
    'application/vnd.plotly.v1+json': { data: spec.data, layout: spec.layout },
    'text/plain': specSummary(spec),
  });
}

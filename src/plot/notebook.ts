// The notebook adapter: display a plot spec in a notebook (the structprune-ts kernel, or plain tslab). Call `initPlotly()` once per notebook
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
import { PlotSpec } from './spec';
import { plotFragment, plotlyScript } from './html';
import { kernelHook, specText } from './display';

/** Where display data goes: one call per display_data message (MIME type → content). */
export interface NotebookDisplay {
  bundle(data: Record<string, unknown>): void;
  /** What this notebook's page has loaded (the kernel's; e.g. 'plotly'), when known. */
  loaded?: Set<string>;
}

type WriteDisplayData = (
  content: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: Record<string, unknown> },
  update: boolean,
) => void;

/** The display of the running tslab kernel. Throws a UsageError outside a tslab cell. */
export function tslabDisplay(): NotebookDisplay {
  // The structprune-ts kernel (kernel/): its display hook (src/plot/display.ts); else tslab's writer.
  const hook = kernelHook();
  if (hook) return { bundle: (data) => hook.display({ data }), loaded: hook.loaded };
  let jupyter: { lastWriteDisplayData: WriteDisplayData | null };
  try {
    jupyter = require('tslab/dist/jupyter');
  } catch {
    throw new UsageError(
      'show/initPlotly need the tslab kernel (npm devDependency tslab); outside a notebook write a page with writeHtmlPage(file, title, [{ spec }])',
    );
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
  display.loaded?.add('plotly');
}

/** One-line text form of a spec: title and what it draws. */
export function specSummary(spec: PlotSpec): string {
  return specText(spec);
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

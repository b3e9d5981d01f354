// Rich display of library objects in the notebook kernel (kernel/) and anywhere a Jupyter MIME bundle is
// wanted. One protocol, two ways in:
//   - a value with a method at `Symbol.for('Jupyter.display')` (Deno's kernel uses the same symbol) returns
//     its own bundle;
//   - the library's plain-data results are recognised by shape (no class, no edits to src/prune): plot specs,
//     AdmmState, PruneReport, MaskView (inspectMask), Allocation (allocate), and tables (arrays of flat records).
// Every bundle has text/plain (consoles: `jupyter console`, the REPL) next to its HTML. The kernel calls
// `kernelBundles(value)` for a cell's last value; `display(x)` and `clearOutput()` work inside a cell.
// The kernel is found at globalThis[Symbol.for('structprune.kernel')] (set by kernel/tslab/jupyter.js for the
// running cell); nothing here runs a kernel or holds module state: the plotly-loaded flag lives on the hook,
// i.e. once per kernel session (= per notebook).
import { inspect } from 'util';
import { randomBytes } from 'crypto';
import { UsageError } from '../errors';
import { PlotSpec, expectedMarks } from './spec';
import { escapeHtml, htmlTable, plotFragment, plotlyScript } from './html';

/** MIME type → content of one output (`text/plain` always present in what this file returns). */
export type MimeBundle = Record<string, unknown>;

/** One display_data / execute_result: the bundle and its metadata. */
export interface DisplayContent {
  data: MimeBundle;
  metadata?: Record<string, unknown>;
}

/** The symbol of the display method a value may implement: `[JUPYTER_DISPLAY](): MimeBundle`. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display') as never;

/** The hook a kernel puts at `globalThis[Symbol.for('structprune.kernel')]` while a cell runs. */
export interface KernelHook {
  name: string;
  /** What was loaded into this notebook's page already (e.g. 'plotly'). */
  loaded: Set<string>;
  display(content: DisplayContent, update?: boolean): void;
  clearOutput(wait?: boolean): void;
}

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';
const KERNEL_KEY = Symbol.for('structprune.kernel');

/** The running kernel's hook, or null outside a kernel (the REPL, scripts, tests). */
export function kernelHook(): KernelHook | null {
  const hook = (globalThis as Record<symbol, unknown>)[KERNEL_KEY] as KernelHook | undefined;
  return hook && typeof hook.display === 'function' ? hook : null;
}

function requireHook(what: string): KernelHook {
  const hook = kernelHook();
  if (!hook)
    throw new UsageError(
      `${what} needs the structprune-ts notebook kernel (kernel/README.md); outside a notebook print the value or write a page with writeHtmlPage(file, title, [{ spec }])`,
    );
  return hook;
}

// ---- shapes ------------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null;
const isNum = (x: unknown): x is number => typeof x === 'number';

export function isPlotSpec(x: unknown): x is PlotSpec {
  return isObj(x) && Array.isArray(x.data) && isObj(x.layout) && x.data.every((t) => isObj(t) && Array.isArray(t.x) && Array.isArray(t.y));
}
function isAdmmState(
  x: unknown,
): x is Obj & { iteration: number; rho: number; converged: boolean; stable: number; modules: { id: string; removed: ArrayLike<number> }[]; reports: Obj[] } {
  return isObj(x) && isNum(x.iteration) && isNum(x.rho) && typeof x.converged === 'boolean' && Array.isArray(x.modules) && Array.isArray(x.reports);
}
function isPruneReport(x: unknown): x is Obj & {
  method: string;
  targetSparsity: number;
  sparsity: number;
  paramSparsity: number;
  params: Obj;
  perModule: PerModule[];
  seconds: Obj;
  admm?: { iterations: number; converged: boolean };
} {
  return isObj(x) && typeof x.method === 'string' && isNum(x.targetSparsity) && isNum(x.paramSparsity) && Array.isArray(x.perModule) && isObj(x.seconds);
}
function isMaskView(x: unknown): x is { id: string; scores: Float64Array; threshold: number; kept: number[]; removed: number[] } {
  return isObj(x) && typeof x.id === 'string' && x.scores instanceof Float64Array && isNum(x.threshold) && Array.isArray(x.kept) && Array.isArray(x.removed);
}
function isAllocation(x: unknown): x is Obj & {
  kind: string;
  temperature: number;
  budget: number;
  totalCost: number;
  fractions: Float64Array;
  counts: number[];
  achievedSparsity: number;
  capped: number;
  budgetResidual: number;
} {
  return (
    isObj(x) &&
    typeof x.kind === 'string' &&
    isNum(x.temperature) &&
    x.fractions instanceof Float64Array &&
    Array.isArray(x.counts) &&
    isNum(x.achievedSparsity)
  );
}
type Cell = string | number | boolean | null | undefined;
/** A table: a non-empty array of plain records whose values are all scalars. */
function isTable(x: unknown): x is Record<string, Cell>[] {
  return (
    Array.isArray(x) &&
    x.length > 0 &&
    x.every(
      (r) =>
        isObj(r) &&
        !Array.isArray(r) &&
        Object.getPrototypeOf(r) === Object.prototype &&
        Object.values(r).every((v) => v === null || v === undefined || ['string', 'number', 'boolean'].includes(typeof v)),
    )
  );
}
type PerModule = { id: string; units: number; removed: number; sparsity: number };

// ---- renderers ---------------------------------------------------------------------------------------------

/** Numbers for people: integers as is, others with 4 significant digits. */
function fmt(v: Cell): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v);
  return v === null || v === undefined ? '' : String(v);
}
const MAX_ROWS = 200;
function tableHtml(header: string[], rows: Cell[][]): string {
  const shown = rows.slice(0, MAX_ROWS).map((r) => r.map(fmt));
  const more = rows.length > MAX_ROWS ? `<p>… ${rows.length - MAX_ROWS} more rows</p>` : '';
  return htmlTable(header, shown) + more;
}
function tableText(header: string[], rows: Cell[][]): string {
  const cells = [header, ...rows.slice(0, MAX_ROWS).map((r) => r.map(fmt))];
  const w = header.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, j) => c.padEnd(w[j]))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), ...cells.slice(1).map(line)].join('\n') + (rows.length > MAX_ROWS ? `\n… ${rows.length - MAX_ROWS} more rows` : '');
}
function section(title: string, facts: [string, Cell][], tables: { header: string[]; rows: Cell[][] }[] = []): MimeBundle {
  const html =
    `<div class="structprune-summary"><b>${escapeHtml(title)}</b>` +
    htmlTable(
      facts.map(([k]) => k),
      [facts.map(([, v]) => fmt(v))],
    ) +
    tables.map((t) => tableHtml(t.header, t.rows)).join('') +
    '</div>';
  const text = `${title}\n` + facts.map(([k, v]) => `  ${k}: ${fmt(v)}`).join('\n') + tables.map((t) => '\n' + tableText(t.header, t.rows)).join('');
  return { 'text/html': html, 'text/plain': text };
}
const perModuleTable = (rows: PerModule[]) => ({
  header: ['module', 'units', 'removed', 'sparsity'],
  rows: rows.map((m) => [m.id, m.units, m.removed, m.sparsity] as Cell[]),
});

/** One-line text form of a spec: title and what it draws. */
export function specText(spec: PlotSpec): string {
  const title = (spec.layout.title as { text?: string } | undefined)?.text ?? 'plot';
  const { traces, points } = expectedMarks(spec);
  return `[plot] ${title}: ${traces} traces, ${points} points`;
}

/**
 * The MIME bundle of `x`, or null when it is nothing this file knows (the caller shows util.inspect text):
 * its own `[JUPYTER_DISPLAY]()` bundle first, then the library shapes listed in the header.
 */
export function toMimeBundle(x: unknown): MimeBundle | null {
  if (isObj(x) && typeof (x as Obj)[JUPYTER_DISPLAY as never] === 'function') {
    const b = ((x as Obj)[JUPYTER_DISPLAY as never] as () => unknown)();
    if (isObj(b)) return { 'text/plain': inspect(x), ...b };
  }
  if (isPlotSpec(x)) {
    const id = `sp-plot-${randomBytes(6).toString('hex')}`;
    return { 'text/html': plotFragment(x, id), [PLOTLY_MIME]: { data: x.data, layout: x.layout }, 'text/plain': specText(x) };
  }
  if (isAdmmState(x)) {
    const last = x.reports[x.reports.length - 1] as
      | Partial<{
          lambda: number | null;
          primalResidual: number;
          dualResidual: number;
          objective: number;
          sparsity: number;
          flipped: number;
          perModule: PerModule[];
        }>
      | undefined;
    return section(
      `AdmmState, iteration ${x.iteration}${x.converged ? ' (converged)' : ''}`,
      [
        ['rho (next)', x.rho],
        ['stable', x.stable],
        ['λ', last?.lambda ?? null],
        ['primal residual', last?.primalResidual],
        ['dual residual', last?.dualResidual],
        ['objective', last?.objective],
        ['sparsity', last?.sparsity],
        ['flipped', last?.flipped],
        ['reports', x.reports.length],
      ],
      last?.perModule ? [perModuleTable(last.perModule)] : [],
    );
  }
  if (isPruneReport(x)) {
    const p = x.params as { dense?: number; pruned?: number };
    const s = x.seconds as { total?: number };
    return section(
      `PruneReport: ${x.method} at ${fmt(x.targetSparsity)}`,
      [
        ['sparsity', x.sparsity],
        ['param sparsity', x.paramSparsity],
        ['params dense', p.dense],
        ['params pruned', p.pruned],
        ['ADMM iterations', x.admm?.iterations],
        ['converged', x.admm ? String(x.admm.converged) : undefined],
        ['seconds', s.total],
      ],
      [perModuleTable(x.perModule)],
    );
  }
  if (isMaskView(x)) {
    const order = [...x.scores.keys()].sort((a, b) => x.scores[a] - x.scores[b]).slice(0, 12);
    const removed = new Set(x.removed);
    return section(
      `MaskView ${x.id}`,
      [
        ['units', x.scores.length],
        ['kept', x.kept.length],
        ['removed', x.removed.length],
        ['threshold', x.threshold],
      ],
      [{ header: ['lowest σ/cost units', 'score', 'removed'], rows: order.map((u) => [u, x.scores[u], removed.has(u) ? 'yes' : '']) }],
    );
  }
  if (isAllocation(x)) {
    return section(
      `Allocation ${x.kind} (T = ${fmt(x.temperature)})`,
      [
        ['budget', x.budget],
        ['total cost', x.totalCost],
        ['achieved sparsity', x.achievedSparsity],
        ['budget residual', x.budgetResidual],
        ['capped', x.capped],
      ],
      [{ header: ['module', 's_m', 'k_m'], rows: x.counts.map((k, m) => [m, x.fractions[m], k]) }],
    );
  }
  if (isTable(x)) {
    const header = [...new Set(x.flatMap((r) => Object.keys(r)))];
    const rows = x.map((r) => header.map((h) => r[h]));
    return { 'text/html': tableHtml(header, rows), 'text/plain': tableText(header, rows) };
  }
  return null;
}

/** The plotly.js loader output (the whole bundle inlined), shown once per notebook before the first plot. */
export function plotlyLoader(): DisplayContent {
  return { data: { 'text/html': plotlyScript(), 'text/plain': '[plotly.js loaded]' } };
}

/**
 * What the kernel shows for a cell's last value: `[plotly loader (first plot of the session only), bundle]`,
 * or null when `toMimeBundle` does not know it. Marks plotly as loaded on the hook.
 */
export function kernelBundles(x: unknown, hook: KernelHook | null = kernelHook()): DisplayContent[] | null {
  const data = toMimeBundle(x);
  if (!data) return null;
  const out: DisplayContent[] = [];
  if (PLOTLY_MIME in data && hook && !hook.loaded.has('plotly')) {
    out.push(plotlyLoader());
    hook.loaded.add('plotly');
  }
  out.push({ data, metadata: {} });
  return out;
}

/** Display `x` in the running cell (rich when `toMimeBundle` knows it, util.inspect text otherwise). */
export function display(x: unknown): void {
  const hook = requireHook('display');
  for (const c of kernelBundles(x, hook) ?? [{ data: { 'text/plain': inspect(x) } }]) hook.display(c);
}

/** Clear the running cell's output; `wait: true` clears when the next output arrives (no flicker). */
export function clearOutput(wait = false): void {
  requireHook('clearOutput').clearOutput(wait);
}

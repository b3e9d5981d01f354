// The teaching page (browser entry, bundled by src/web/build.ts). It loads stories260K and the text
// slices from its own server, then runs the library here: calibration statistics, the ADMM one report at
// a time, finalize, perplexity, generation, the download. Work runs on the page's thread in short pieces
// with a yield to the event loop between them (every ADMM report, every stage), so the page stays
// responsive and the plots grow live. `window.structpruneWeb` exposes the state read-only (tests, devtools).
import { tf, initBackend, browserFeatures } from './browserBackend';
import {
  PageModel,
  Calibration,
  pageModel,
  calibrate,
  admmProblem,
  advance,
  running,
  stateMask,
  finalizeSession,
  pagePerplexity,
  pageGenerate,
  PagePruneResult,
} from './session';
import { savedModelFiles } from './savedModel';
import { zipStore } from './zipStore';
import { AdmmProblem, AdmmAllocation } from '../prune/admm/problem';
import { AdmmState } from '../prune/admm/step';
import { inspectMask } from '../prune/admm/run';
import { moduleEnergies } from '../prune/moduleEnergies';
import { unitEnergies } from '../prune/moduleProblems';
import { PlotSpec } from '../plot/spec';
import { admmTracePlot } from '../plot/admmTrace';
import { moduleSparsityPlot } from '../plot/sparsityBars';
import { maskPlot } from '../plot/maskView';
import { allocationCurves, allocationTemperaturePlot } from '../plot/allocationPlot';

declare const Plotly: { react(el: HTMLElement, data: unknown, layout: unknown, config?: unknown): Promise<unknown>; purge(el: HTMLElement): void };

// perplexity() yields to the event loop with setImmediate, which browsers lack.
const g = globalThis as { setImmediate?: (f: () => void) => void };
if (typeof g.setImmediate !== 'function') g.setImmediate = (f) => void setTimeout(f, 0);

const ALLOCATIONS: readonly AdmmAllocation[] = ['fermi-dirac', 'threshold', 'softmax', 'uniform']; // the first is prune()'s default
const GEN_TEMPERATURE = 0.8;

interface Manifest {
  model: { name: string; file: string; sha256: string };
  tokenizer: { file: string };
  calibration: { corpus: string; file: string };
  validation: { corpus: string; file: string };
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const yieldToPage = () => new Promise<void>((r) => setTimeout(r, 0));

// --- state (plain data; everything the page shows derives from it) ----------------------------------------
let pm: PageModel | null = null;
let calibIds: number[] = [];
let valIds: number[] = [];
let manifest: Manifest | null = null;
let calib: Calibration | null = null;
let problem: AdmmProblem | null = null;
let state: AdmmState | null = null;
let result: PagePruneResult | null = null;
let densePpl: { windows: number; ppl: number } | null = null;
let prunedPpl: number | null = null;
let busy = false;
let selectSeconds = 0;
let runTiming: { pruneSeconds: number; evalSeconds: number } | null = null;
let finalizedAt = 0;
let downloadUrl: string | null = null;

function settings() {
  return {
    sparsity: Number($<HTMLInputElement>('sparsity').value),
    allocation: $<HTMLSelectElement>('allocation').value as AdmmAllocation,
    temperature: Math.pow(10, Number($<HTMLInputElement>('temperature').value)),
    samples: Number($<HTMLSelectElement>('calib-samples').value),
    seqlen: Number($<HTMLSelectElement>('calib-seqlen').value),
    seed: Math.max(0, Math.floor(Number($<HTMLInputElement>('calib-seed').value) || 0)),
    valWindows: Math.min(16, Math.max(1, Math.floor(Number($<HTMLInputElement>('val-windows').value) || 1))),
  };
}

function setStatus(text: string, kind: 'loading' | 'ready' | 'busy' | 'error' = 'ready'): void {
  const el = $('status');
  el.textContent = text;
  el.dataset.state = kind;
}

function setProgress(done: number, total: number): void {
  const p = $<HTMLProgressElement>('progress');
  p.max = Math.max(1, total);
  p.value = done;
}

function draw(id: string, spec: PlotSpec | null): void {
  const el = $(id);
  if (!spec) return;
  el.querySelector(':scope > p.help')?.remove();
  void Plotly.react(el, spec.data, { ...spec.layout, autosize: true }, { displaylogo: false, responsive: true });
}

function placeholder(id: string, text: string): void {
  const el = $(id);
  Plotly.purge(el);
  el.innerHTML = '';
  const p = document.createElement('p');
  p.className = 'help';
  p.textContent = text;
  el.append(p);
}

function refreshButtons(): void {
  const can = !!pm && !busy;
  const more = !state || !state.converged;
  ($('btn-step') as HTMLButtonElement).disabled = !can || (!!state && !more) || !!result;
  ($('btn-run') as HTMLButtonElement).disabled = !can || !!result;
  ($('btn-finalize') as HTMLButtonElement).disabled = !can || !state || !!result;
  ($('btn-reset') as HTMLButtonElement).disabled = !can;
  ($('btn-generate') as HTMLButtonElement).disabled = !can;
  // Controls are locked while a job runs: what the plots show always matches what the controls say.
  for (const id of [
    'sparsity',
    'allocation',
    'temperature',
    'calib-samples',
    'calib-seqlen',
    'calib-seed',
    'val-windows',
    'prompt',
    'gen-steps',
    'gen-mode',
    'gen-seed',
  ]) {
    ($(id) as HTMLInputElement).disabled = !can;
  }
}

/** Run one piece of work with the buttons disabled and errors shown. */
async function job(label: string, work: () => Promise<void>): Promise<void> {
  if (busy) return;
  busy = true;
  refreshButtons();
  setStatus(label, 'busy');
  try {
    await work();
    setStatus(readyText(), 'ready');
  } catch (e) {
    console.error(e);
    setStatus(`Error: ${(e as Error).message}`, 'error');
  } finally {
    busy = false;
    setProgress(0, 1);
    refreshButtons();
  }
}

function readyText(): string {
  if (result) return 'Pruned. Change a control or press Reset to start again.';
  if (state) return state.converged ? 'ADMM converged: Finalize to compensate, slice and evaluate.' : 'Ready: step on, or run to convergence.';
  return 'Ready.';
}

// --- pruning ---------------------------------------------------------------------------------------------
async function ensureProblem(): Promise<AdmmProblem> {
  const s = settings();
  if (!pm) throw new Error('the model is not loaded yet');
  if (!calib || calib.samples !== s.samples || calib.seqlen !== s.seqlen || calib.seed !== s.seed) {
    setStatus(`Calibrating: ${s.samples} windows × ${s.seqlen} tokens (seed ${s.seed})…`, 'busy');
    await yieldToPage();
    calib = await calibrate(pm, calibIds, manifest!.calibration.corpus, { samples: s.samples, seqlen: s.seqlen, seed: s.seed }, setProgress);
    problem = null;
  }
  if (!problem) {
    setStatus('Building the per-module problems (eigendecompositions)…', 'busy');
    await yieldToPage();
    problem = await admmProblem(calib, s.sparsity, { allocation: s.allocation, temperature: s.temperature }, setProgress);
    state = null;
    selectSeconds = 0;
    fillModuleSelect();
    drawAllocation();
  }
  return problem;
}

let lastDraw = 0;
/** Plotly redraws cost more than a stories260K ADMM iteration: while running, redraw at most every 400 ms. */
const RUN_REDRAW_MS = 400;

async function advanceOnce(throttle = false): Promise<boolean> {
  const p = await ensureProblem();
  const t0 = performance.now();
  const next = await advance(p, state);
  selectSeconds += (performance.now() - t0) / 1000;
  if (!next) return false;
  state = next;
  if (!throttle || state.converged || performance.now() - lastDraw >= RUN_REDRAW_MS) {
    drawAdmm();
    lastDraw = performance.now();
  }
  await yieldToPage();
  return true;
}

async function finalizeNow(): Promise<void> {
  if (!pm || !calib || !problem || !state) throw new Error('nothing to finalize: step the ADMM first');
  setStatus('Finalizing: compensation and slicing…', 'busy');
  await yieldToPage();
  result = await finalizeSession(pm, calib, problem, state, { select: selectSeconds }, setProgress);
  finalizedAt = performance.now();
  await yieldToPage();
  const s = settings();
  if (!densePpl || densePpl.windows !== s.valWindows) {
    setStatus(`Perplexity of the dense model on ${s.valWindows} validation windows…`, 'busy');
    densePpl = { windows: s.valWindows, ppl: (await pagePerplexity(pm.model, valIds, s.valWindows, setProgress)).ppl };
  }
  setStatus(`Perplexity of the pruned model on ${s.valWindows} validation windows…`, 'busy');
  prunedPpl = (await pagePerplexity(result.model, valIds, s.valWindows, setProgress)).ppl;
  await generateTexts();
  showResult();
}

function showResult(): void {
  if (!result || !pm || !densePpl) return;
  const r = result.report;
  $('ppl-windows').textContent = `${densePpl.windows} × ${pm.model.config.maxSeq} tokens`;
  $('ppl-dense').textContent = densePpl.ppl.toFixed(4);
  $('ppl-pruned').textContent = prunedPpl === null ? '–' : prunedPpl.toFixed(4);
  $('params-dense').textContent = r.params.dense.toLocaleString('en-US');
  $('params-pruned').textContent = `${r.params.pruned.toLocaleString('en-US')} (−${((1 - r.params.pruned / r.params.dense) * 100).toFixed(1)} %)`;
  $('sparsity-achieved').textContent = `${r.sparsity.toFixed(4)} / ${r.paramSparsity.toFixed(4)}`;
  const t = runTiming
    ? `Run → pruned model: ${runTiming.pruneSeconds.toFixed(2)} s (calibration, ADMM, compensation, slicing); evaluation and text: ${runTiming.evalSeconds.toFixed(2)} s.`
    : '';
  $('timing').textContent = `${t} ADMM: ${state!.iteration} iterations, ${state!.converged ? 'converged' : 'not converged (finalized early)'}.`;
  const files = savedModelFiles(result.model, pm.tokenizerBin, {
    ...result.report,
    perplexity: { 'tinystories-val': prunedPpl },
    evalWindows: densePpl.windows,
  });
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = URL.createObjectURL(new Blob([zipStore(files) as Uint8Array<ArrayBuffer>], { type: 'application/zip' }));
  const a = $<HTMLAnchorElement>('download');
  a.href = downloadUrl;
  a.download = `stories260K-structprune-s${settings().sparsity.toFixed(2)}.zip`;
  a.classList.remove('disabled');
  a.setAttribute('aria-disabled', 'false');
}

function clearResult(): void {
  result = null;
  prunedPpl = null;
  runTiming = null;
  for (const id of ['ppl-pruned', 'params-pruned', 'sparsity-achieved']) $(id).textContent = '–';
  $('timing').textContent = '';
  $('text-pruned').textContent = '(prune first)';
  const a = $<HTMLAnchorElement>('download');
  a.removeAttribute('href');
  a.classList.add('disabled');
  a.setAttribute('aria-disabled', 'true');
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = null;
}

/** Drop the ADMM state (and the problem when the options changed; the calibration when `all`). */
function reset(all: boolean): void {
  if (all) calib = null;
  problem = null;
  state = null;
  clearResult();
  $('admm-status').textContent = 'no ADMM state yet';
  for (const id of ['plot-trace', 'plot-sparsity', 'plot-mask']) placeholder(id, 'Step the ADMM to see this plot.');
  drawAllocation();
  refreshButtons();
}

// --- plots -----------------------------------------------------------------------------------------------
function fillModuleSelect(): void {
  const sel = $<HTMLSelectElement>('mask-module');
  const keep = sel.value;
  sel.innerHTML = '';
  for (const m of problem!.modules) sel.add(new Option(m.id, m.id));
  sel.value = problem!.modules.some((m) => m.id === keep) ? keep : problem!.modules[problem!.modules.length - 1].id;
}

function drawAdmm(): void {
  if (!problem || !state) return;
  const last = state.reports[state.reports.length - 1];
  draw('plot-trace', admmTracePlot(state.reports, { title: 'ADMM trace', height: 420 }));
  draw(
    'plot-sparsity',
    moduleSparsityPlot(last.perModule, { target: problem.sparsity, title: `Units removed per module (iteration ${last.iteration})`, height: 360 }),
  );
  drawMask();
  $('admm-status').textContent =
    `iteration ${last.iteration}  ρ ${last.rho.toPrecision(3)}  λ ${last.lambda === null ? '–' : last.lambda.toPrecision(3)}  primal ${last.primalResidual.toExponential(2)}  ` +
    `objective ${last.objective.toExponential(3)}  sparsity ${last.sparsity.toFixed(3)}  flips ${last.flipped}${state.converged ? '  (converged)' : ''}`;
}

function drawMask(): void {
  if (!problem || !state) return;
  const id = $<HTMLSelectElement>('mask-module').value;
  draw('plot-mask', maskPlot(inspectMask(problem, state, id), { title: `Closed-form mask of ${id}: σ/cost vs the threshold`, height: 360 }));
}

function drawAllocation(): void {
  if (!calib) return placeholder('plot-allocation', 'The allocation curves need the calibration statistics: step once.');
  const s = settings();
  const total = calib.problems.reduce((a, p) => a + p.spec.units.length * p.spec.unitCost, 0);
  const live = calib.problems.filter((p) => p.spec.units.length > 0);
  const E = moduleEnergies(
    live.map((p) => ({ unitEnergies: unitEnergies(p), cost: p.spec.unitCost })),
    s.sparsity,
  ).E;
  const input = { modules: live.map((p, m) => ({ n: p.spec.units.length, cost: p.spec.unitCost, E: E[m] })), budget: s.sparsity * total };
  const curves = allocationCurves(input, { labels: live.map((p) => p.spec.id), sMax: 0.95 });
  const spec = allocationTemperaturePlot(curves, {
    title: `Energy allocation vs temperature (s = ${s.sparsity.toFixed(2)}; current T = ${s.temperature.toPrecision(3)})`,
    height: 380,
  });
  const marks = curves.curves.map((_, k) => ({
    type: 'line',
    xref: k === 0 ? 'x' : `x${k + 1}`,
    yref: 'paper',
    x0: s.temperature,
    x1: s.temperature,
    y0: 0,
    y1: 1,
    line: { color: '#222', width: 1.5, dash: 'dot' },
  }));
  const layout = spec.layout as { shapes?: unknown[] };
  layout.shapes = [...(layout.shapes ?? []), ...marks];
  draw('plot-allocation', spec);
}

// --- generation ------------------------------------------------------------------------------------------
function genOptions() {
  const sampled = $<HTMLSelectElement>('gen-mode').value === 'sampled';
  return {
    prompt: $<HTMLInputElement>('prompt').value,
    steps: Math.min(500, Math.max(1, Math.floor(Number($<HTMLInputElement>('gen-steps').value) || 1))),
    temperature: sampled ? GEN_TEMPERATURE : 0,
    seed: Math.max(0, Math.floor(Number($<HTMLInputElement>('gen-seed').value) || 0)),
  };
}

async function generateTexts(): Promise<void> {
  if (!pm) return;
  const o = genOptions();
  setStatus('Generating…', 'busy');
  await yieldToPage();
  $('text-dense').textContent = await pageGenerate(pm, pm.model, o.prompt, o);
  if (result) {
    await yieldToPage();
    $('text-pruned').textContent = await pageGenerate(pm, result.model, o.prompt, o);
  }
}

// --- start -----------------------------------------------------------------------------------------------
async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

async function fetchText(url: string): Promise<string> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.text();
}

function wire(): void {
  const sel = $<HTMLSelectElement>('allocation');
  for (const a of ALLOCATIONS) sel.add(new Option(a, a));
  sel.value = 'threshold';
  const showValues = () => {
    const s = settings();
    $('sparsity-value').textContent = s.sparsity.toFixed(2);
    $('temperature-value').textContent = s.temperature.toPrecision(3);
  };
  showValues();
  const onProblemChange = () => {
    if (busy) return;
    showValues();
    reset(false);
  };
  for (const id of ['sparsity', 'temperature']) $(id).addEventListener('input', onProblemChange);
  $('allocation').addEventListener('change', onProblemChange);
  for (const id of ['calib-samples', 'calib-seqlen', 'calib-seed']) $(id).addEventListener('change', () => !busy && reset(true));
  $('val-windows').addEventListener('change', () => !busy && clearResult());
  $('mask-module').addEventListener('change', drawMask);
  $('btn-step').addEventListener('click', () =>
    job('Step…', async () => {
      await advanceOnce();
    }),
  );
  $('btn-run').addEventListener('click', () =>
    job('Running the ADMM…', async () => {
      const t0 = performance.now();
      await ensureProblem();
      while (await running(problem!, state)) {
        setStatus(`Running the ADMM: iteration ${state ? state.iteration + 1 : 0}…`, 'busy');
        if (!(await advanceOnce(true))) break;
      }
      drawAdmm();
      await finalizeNow();
      runTiming = { pruneSeconds: (finalizedAt - t0) / 1000, evalSeconds: (performance.now() - finalizedAt) / 1000 };
      showResult();
    }),
  );
  $('btn-finalize').addEventListener('click', () => job('Finalizing…', finalizeNow));
  $('btn-reset').addEventListener('click', () => !busy && reset(false));
  $('btn-generate').addEventListener('click', () => job('Generating…', generateTexts));
}

async function start(): Promise<void> {
  wire();
  refreshButtons();
  const f = browserFeatures();
  const notes: string[] = [];
  if (!f.wasm) notes.push('This browser has no WebAssembly: the page cannot run here.');
  else if (!f.simd) notes.push('This browser lacks WebAssembly SIMD: the page uses the plain wasm build, several times slower.');
  if (!f.webgpu) notes.push('No WebGPU in this browser (the page computes with WebAssembly on the CPU either way).');
  if (notes.length) {
    $('features').textContent = notes.join(' ');
    $('features').hidden = false;
  }
  await initBackend();
  manifest = JSON.parse(await fetchText('/data/manifest.json')) as Manifest;
  setStatus('Loading stories260K…', 'loading');
  const [modelBin, tokBin, calibText, valText] = await Promise.all([
    fetchBytes(manifest.model.file),
    fetchBytes(manifest.tokenizer.file),
    fetchText(manifest.calibration.file),
    fetchText(manifest.validation.file),
  ]);
  pm = pageModel(modelBin, tokBin, { name: manifest.model.name, sha256: manifest.model.sha256 });
  await yieldToPage();
  setStatus('Tokenizing the calibration and validation text…', 'loading');
  await yieldToPage();
  calibIds = pm.codec.encode(calibText, { bos: true });
  valIds = pm.codec.encode(valText, { bos: true });
  reset(true);
  busy = false;
  await job('Generating the dense text…', generateTexts);
  setStatus(
    `Ready. ${tf.getBackend()} backend${f.simd ? ' with SIMD' : ''}; ${pm.model.config.nLayers} layers, ${calibIds.length.toLocaleString('en-US')} calibration tokens.`,
    'ready',
  );
  document.body.dataset.ready = 'true';
}

// The longest stretch the page's thread was blocked (the browser's long-task timing, where it exists).
let longestTaskMs = 0;
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longestTaskMs = Math.max(longestTaskMs, e.duration);
  }).observe({ type: 'longtask', buffered: true });
} catch {
  // no long-task timing in this browser
}

(window as unknown as { structpruneWeb: unknown }).structpruneWeb = {
  /** Longest main-thread task so far (ms), from PerformanceObserver 'longtask'; resets on read. */
  longestTaskMs: () => {
    const v = longestTaskMs;
    longestTaskMs = 0;
    return v;
  },
  /** Removed unit indices per module at the current ADMM state (null before the first step). */
  mask: () => (problem && state ? Object.fromEntries(Object.entries(stateMask(problem, state)).map(([id, r]) => [id, Array.from(r)])) : null),
  trace: () => (state ? state.reports.map((r) => ({ ...r })) : []),
  result: () =>
    result ? { report: result.report, ppl: prunedPpl, densePpl: densePpl?.ppl ?? null, windows: densePpl?.windows ?? null, timing: runTiming } : null,
  busy: () => busy,
};

start().catch((e) => {
  console.error(e);
  setStatus(`Error: ${(e as Error).message}`, 'error');
});

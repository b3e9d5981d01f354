#!/usr/bin/python3
"""Execute the project's notebooks headless and check every plot draws in a real browser.

For each notebook (default: notebooks/*.ipynb, in name order):
  1. execute it cell by cell with nbclient on the repo's kernel spec (kernel/, via JUPYTER_PATH); on the
     first failing cell print the cell and its error (name, message, traceback) and stop; the executed
     code cells must carry execution counts 1..n;
  2. save the executed notebook and its nbconvert HTML (lab template) under --out;
  3. render the HTML in headless Chromium (--dump-dom) and check every plot div (class structprune-plot,
     written by src/plot/html.ts): an svg.main-svg is present, the number of g.trace elements equals its
     data-traces and the number of .point elements equals its data-points; and that the page holds as many
     plot divs as the notebook has plot outputs.
Prints the wall time of each notebook and ends with `N passed, N failed`; exit status 1 if any failed.

Run with Debian's /usr/bin/python3 (Jupyter's modules live there; a pyenv `python3` has none):
  /usr/bin/python3 scripts/run-notebooks.py [NOTEBOOK ...] [--out runs/notebooks] [--no-browser] [--store]
`--store` writes the executed outputs back into the notebooks (minus the 4.8 MB plotly bundle output),
so the repository's copies show results without running them. `--check-html PAGE…` only DOM-checks pages
(e.g. a `structprune prune --report` page). Missing pieces: scripts/setup-jupyter.sh.
"""
import argparse
import copy
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNEL_DIR = os.path.join(ROOT, 'kernel')
KERNEL_NAME = 'structprune-ts'
PLOT_CLASS = 'structprune-plot'
PLOTLY_MIME = 'application/vnd.plotly.v1+json'
CHROMIUM_FLAGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP * ~NOTFOUND',
    '--virtual-time-budget=30000', '--window-size=1280,1024',
]
VOID_TAGS = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr'}


def setup_env():
    """Make the repo's kernel spec visible (JUPYTER_PATH first) before jupyter_client reads it."""
    paths = [KERNEL_DIR] + [p for p in os.environ.get('JUPYTER_PATH', '').split(os.pathsep) if p and p != KERNEL_DIR]
    os.environ['JUPYTER_PATH'] = os.pathsep.join(paths)


def tail(text, lines=40, width=400):
    """Last `lines` lines, each cut to `width` chars (tfjs-wasm errors print the whole wasm JS source)."""
    out = [ln if len(ln) <= width else ln[:width] + ' …' for ln in text.rstrip('\n').split('\n')]
    return '\n'.join(out[-lines:])


def cell_error_text(cell):
    parts = []
    for o in cell.get('outputs', []):
        if o.get('output_type') == 'stream' and o.get('name') == 'stderr':
            parts.append(o.get('text', ''))
        elif o.get('output_type') == 'error':
            parts.append('%s: %s\n%s' % (o.get('ename', ''), o.get('evalue', ''), '\n'.join(o.get('traceback', []))))
    return ''.join(parts).strip() or '(the kernel reported an error without any message)'


def plot_outputs(nb):
    return sum(1 for c in nb.cells if c.cell_type == 'code' for o in c.get('outputs', [])
               if o.get('output_type') == 'display_data' and PLOTLY_MIME in o.get('data', {}))


def execute(nb, path, timeout):
    """Run every code cell; returns (ok, message, seconds per code cell)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    client = NotebookClient(nb, timeout=timeout, kernel_name=KERNEL_NAME, allow_errors=False,
                            record_timing=False, resources={'metadata': {'path': ROOT}})
    times = []
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != 'code':
                continue
            t0 = time.time()
            try:
                client.execute_cell(cell, index)
            except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
                src = tail(cell.source, lines=12)
                err = tail(cell_error_text(cell))
                if isinstance(e, CellTimeoutError):
                    err = 'timed out after %d s\n%s' % (timeout, err)
                elif isinstance(e, DeadKernelError):
                    err = 'the kernel died\n%s' % err
                return False, 'cell %d failed:\n--- source ---\n%s\n--- error ---\n%s' % (index, src, err), times
            times.append(time.time() - t0)
    counts = [c.get('execution_count') for c in nb.cells if c.cell_type == 'code']
    if counts != list(range(1, len(counts) + 1)):
        return False, 'execution counts %r, expected 1..%d (execute_input / execute_reply counts)' % (counts, len(counts)), times
    return True, '', times


def to_html(nb, html_path):
    from nbconvert import HTMLExporter
    body, _ = HTMLExporter(template_name='lab').from_notebook_node(nb)
    with open(html_path, 'w', encoding='utf-8') as f:
        f.write(body)


class PlotCounter(HTMLParser):
    """Counts, inside every plot div, main-svg elements, g.trace groups and .point marks."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, plot index or None)
        self.plots = []

    def _open_plots(self):
        return [self.plots[i] for _, i in self.stack if i is not None]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get('class') or '').split()
        for p in self._open_plots():
            if 'main-svg' in classes:
                p['svg'] += 1
            if tag == 'g' and 'trace' in classes:
                p['traces'] += 1
            if 'point' in classes:
                p['points'] += 1
        idx = None
        if tag == 'div' and PLOT_CLASS in classes:
            idx = len(self.plots)
            self.plots.append({'id': a.get('id'), 'want_traces': int(a.get('data-traces', '-1')),
                               'want_points': int(a.get('data-points', '-1')), 'svg': 0, 'traces': 0, 'points': 0,
                               'text': ''})
        if tag not in VOID_TAGS:
            self.stack.append((tag, idx))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if not any(t == tag for t, _ in self.stack):
            return
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        for p in self._open_plots():
            if len(p['text']) < 200:
                p['text'] += data


def chromium_binary():
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        path = shutil.which(name)
        if path:
            return path
    return None


def dom_check(html_path, expected_plots, chromium):
    """Render the page; returns (problems, plot divs found); no problems when every plot drew what its spec says."""
    with tempfile.TemporaryDirectory(prefix='sp-chromium-') as profile:
        r = subprocess.run([chromium, *CHROMIUM_FLAGS, '--user-data-dir=' + profile, '--dump-dom',
                            'file://' + os.path.abspath(html_path)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180)
    if r.returncode != 0 or not r.stdout:
        return ['chromium exited with %d: %s' % (r.returncode, tail(r.stderr.decode('utf-8', 'replace'), 10))], 0
    parser = PlotCounter()
    parser.feed(r.stdout.decode('utf-8', 'replace'))
    problems = []
    if expected_plots is not None and len(parser.plots) != expected_plots:
        problems.append('%d plot divs on the page, %d plot outputs in the notebook' % (len(parser.plots), expected_plots))
    for p in parser.plots:
        if p['svg'] == 0:
            problems.append('%s: nothing drawn (no svg.main-svg)%s' % (p['id'], ': ' + p['text'].strip() if p['text'].strip() else ''))
        elif p['traces'] != p['want_traces'] or p['points'] != p['want_points']:
            problems.append('%s: drew %d traces / %d points, spec has %d / %d' % (
                p['id'], p['traces'], p['points'], p['want_traces'], p['want_points']))
    return problems, len(parser.plots)


def stored_copy(nb):
    """The executed notebook as the repository keeps it: without the plotly bundle output, and plots as their
    plotly JSON + text only (their text/html repeats the spec and cannot draw without the bundle anyway)."""
    out = copy.deepcopy(nb)
    for c in out.cells:
        if c.cell_type != 'code':
            continue
        for o in c.get('outputs', []):
            if o.get('output_type') != 'display_data':
                continue
            data = o.get('data', {})
            html = data.get('text/html', '')
            if isinstance(html, list):
                html = ''.join(html)
            if len(html) > 1_000_000 and 'window.Plotly' in html:
                o['data'] = {'text/plain': '[plotly.js bundle: not stored, run the notebook to load it]'}
            elif PLOTLY_MIME in data:
                data.pop('text/html', None)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('notebooks', nargs='*', help='notebooks to run (default notebooks/*.ipynb)')
    ap.add_argument('--out', default=os.path.join(ROOT, 'runs', 'notebooks'), help='executed notebooks and HTML go here')
    ap.add_argument('--timeout', type=int, default=600, help='seconds per cell (default 600)')
    ap.add_argument('--no-browser', action='store_true', help='skip the HTML render and DOM check')
    ap.add_argument('-v', '--verbose', action='store_true', help='print the wall time of every code cell')
    ap.add_argument('--check-html', nargs='+', metavar='HTML', help='only DOM-check these HTML pages (e.g. a `--report` page)')
    ap.add_argument('--store', action='store_true', help='write the outputs back into the notebooks (bundle stripped)')
    args = ap.parse_args()

    setup_env()
    try:
        import nbformat  # noqa: F401
        import nbclient  # noqa: F401
        import nbconvert  # noqa: F401
    except ImportError as e:
        print('run-notebooks: %s; install the Debian Jupyter pieces with scripts/setup-jupyter.sh '
              '(and run this with /usr/bin/python3)' % e, file=sys.stderr)
        return 2
    import nbformat
    chromium = None if args.no_browser else chromium_binary()
    if not args.no_browser and not chromium:
        print('run-notebooks: no chromium on PATH; install it with scripts/setup-jupyter.sh or pass --no-browser', file=sys.stderr)
        return 2

    if args.check_html:
        if not chromium:
            print('run-notebooks: --check-html needs chromium', file=sys.stderr)
            return 2
        passed = failed = 0
        for page in args.check_html:
            problems, found = dom_check(page, None, chromium)
            if problems or found == 0:
                failed += 1
                print('FAIL %s\n  %s' % (page, '\n  '.join(problems or ['no plot divs on the page'])))
            else:
                passed += 1
                print('PASS %s  %d plots drawn' % (page, found))
        print('%d passed, %d failed' % (passed, failed))
        return 0 if failed == 0 else 1

    paths = args.notebooks or sorted(glob.glob(os.path.join(ROOT, 'notebooks', '*.ipynb')))
    if not paths:
        print('run-notebooks: no notebooks found', file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    passed, failed = 0, 0
    total_t0 = time.time()
    for path in paths:
        name = os.path.splitext(os.path.basename(path))[0]
        nb = nbformat.read(path, as_version=4)
        t0 = time.time()
        ok, message, times = execute(nb, path, args.timeout)
        wall = time.time() - t0
        out_nb = os.path.join(args.out, name + '.ipynb')
        nbformat.write(nb, out_nb)
        detail = ''
        if ok:
            html_path = os.path.join(args.out, name + '.html')
            to_html(nb, html_path)
            expected = plot_outputs(nb)
            if chromium:
                t1 = time.time()
                problems, found = dom_check(html_path, expected, chromium)
                if problems:
                    ok = False
                    message = 'DOM check of %s failed:\n  ' % html_path + '\n  '.join(problems)
                else:
                    detail = ', %d plots drawn (DOM check %.1f s)' % (found, time.time() - t1)
            else:
                detail = ', %d plots (DOM check skipped)' % expected
        if ok:
            passed += 1
            slow = max(range(len(times)), key=lambda i: times[i]) if times else None
            slowest = ', slowest code cell #%d %.1f s' % (slow, times[slow]) if slow is not None else ''
            print('PASS %s  %.1f s%s%s' % (name, wall, slowest, detail), flush=True)
            if args.verbose:
                print('  code cells (s): ' + ' '.join('%.1f' % t for t in times), flush=True)
            if args.store:
                nbformat.write(stored_copy(nb), path)
        else:
            failed += 1
            print('FAIL %s  %.1f s\n%s' % (name, wall, message), flush=True)
    print('total %.1f s' % (time.time() - total_t0))
    print('%d passed, %d failed' % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())

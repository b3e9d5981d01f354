#!/usr/bin/python3
"""What the kernel adds beyond jupyter_kernel_test (kernel/test_kernel.py), checked on a running kernel:

  counts         execute_input and execution counts 1..n; silent cells take no count
  await          top-level await, its value as execute_result
  strict         a strictNullChecks error is a cell error (TypeScriptError) naming the cell line
  traceback      a throwing cell sends an `error` with the error's name, message and stack
  shorthand      `{ rows }` naming an earlier cell's variable (tslab 1.0.22: ReferenceError)
  reload         a project file edited while the kernel runs: the next cell sees the new code, through a
                 module importing it too, and a type error in it is a warning, not a dead kernel
  display        a library object as the last value renders its HTML (AdmmState-shaped record)
  interrupt      an interrupted `await` or busy loop ends with an Interrupted error; the next cell runs
  notebook       a notebook run headless (nbclient) saves counts 1..n and a traceback with name and message
  console        `jupyter console --kernel structprune-ts --simple-prompt` fed by stdin prints results and errors
  late_iopub     a client whose IOPub connects after its first request was sent still gets that request's
                 busy, result and idle (jupyter console hung on its first cell about 1 run in 8 without this)
  shutdown       shutdown_request ends the kernel process

    /usr/bin/python3 kernel/test_kernel_features.py
Prints PASS/FAIL per check and `N passed, N failed`; exit status 1 on a failure.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
os.environ['JUPYTER_PATH'] = os.pathsep.join([HERE] + [p for p in os.environ.get('JUPYTER_PATH', '').split(os.pathsep) if p and p != HERE])
KERNEL = 'structprune-ts'


class Kernel:
    def __init__(self):
        from jupyter_client.manager import start_new_kernel
        self.km, self.kc = start_new_kernel(kernel_name=KERNEL, startup_timeout=120)

    def run(self, code, timeout=120, silent=False):
        """Execute; returns (reply content, iopub messages of this request but status)."""
        msgs = []
        reply = self.kc.execute_interactive(code, timeout=timeout, silent=silent, store_history=not silent,
                                            output_hook=lambda m: msgs.append(m) if m['msg_type'] != 'status' else None)
        return reply['content'], msgs

    def close(self):
        self.kc.stop_channels()
        if self.km.is_alive():
            self.km.shutdown_kernel(now=True)


def of_type(msgs, t):
    return [m['content'] for m in msgs if m['msg_type'] == t]


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def result_text(msgs):
    res = of_type(msgs, 'execute_result')
    check(len(res) == 1, 'one execute_result expected, got %r' % [m['msg_type'] for m in msgs])
    return res[0]['data']['text/plain']


def t_counts(k):
    counts = []
    for code in ['1 + 1', 'const a = 2;', 'a * 3']:
        content, msgs = k.run(code)
        check(content['status'] == 'ok', content)
        inp = of_type(msgs, 'execute_input')
        check(len(inp) == 1 and inp[0]['execution_count'] == content['execution_count'] and inp[0]['code'] == code, inp)
        counts.append(content['execution_count'])
    check(counts == [1, 2, 3], 'counts %r, want [1, 2, 3]' % counts)
    content, msgs = k.run('a', silent=True)
    check(content['execution_count'] == 3 and not of_type(msgs, 'execute_input') and not of_type(msgs, 'execute_result'), (content, msgs))
    content, msgs = k.run('a')
    check(content['execution_count'] == 4 and result_text(msgs) == '2', (content, msgs))


def t_await(k):
    content, msgs = k.run('const v = await new Promise<number>((r) => setTimeout(() => r(41), 50));\nv + 1')
    check(content['status'] == 'ok' and result_text(msgs) == '42', (content, msgs))


def t_strict(k):
    content, msgs = k.run('const pick = (x: number): string | null => (x > 0 ? "yes" : null);\n\nconst s = pick(1);\ns.length')
    check(content['status'] == 'error' and content['ename'] == 'TypeScriptError', content)
    err = of_type(msgs, 'error')
    check(len(err) == 1, msgs)
    check('cell line 4:1' in err[0]['evalue'] and 'TS18047' in err[0]['evalue'] and "'s' is possibly 'null'" in err[0]['evalue'], err[0]['evalue'])
    check(not of_type(msgs, 'stream'), 'the diagnostic must not also go to a stream: %r' % msgs)


def t_traceback(k):
    content, msgs = k.run('function inner(k: number): never {\n  throw new RangeError(`bad k ${k}`);\n}\ninner(3)')
    check(content['status'] == 'error' and content['ename'] == 'RangeError' and content['evalue'] == 'bad k 3', content)
    err = of_type(msgs, 'error')
    check(len(err) == 1 and err[0]['traceback'][0] == 'RangeError: bad k 3', err)
    check(any('inner' in line for line in err[0]['traceback'][1:]), 'stack frames expected: %r' % err[0]['traceback'])
    content, msgs = k.run('"after the error"')
    check(content['status'] == 'ok', 'the cell after an error must run: %r' % content)


def t_shorthand(k):
    k.run('const rows = [1, 2, 3];\nconst label = "r";')
    content, msgs = k.run('const o = { rows, label, n: rows.length };\n`${o.label}: ${o.rows.join(",")} (${o.n})`')
    check(content['status'] == 'ok', content)
    check(result_text(msgs) == "'r: 1,2,3 (3)'", result_text(msgs))


def t_reload(k):
    folder = tempfile.mkdtemp(prefix='kernel-test-', dir=os.path.join(ROOT, '.tmp'))
    rel = './' + os.path.relpath(folder, ROOT)
    lib = os.path.join(folder, 'lib.ts')
    try:
        def write(text, bump):
            with open(lib, 'w') as f:
                f.write(text)
            t = time.time() + bump  # a distinct mtime even within the file system's resolution
            os.utime(lib, (t, t))
        write('export function base(): number {\n  return 1;\n}\n', 0)
        with open(os.path.join(folder, 'uses.ts'), 'w') as f:
            f.write("import { base } from './lib';\nexport function value(): number {\n  return base() * 10;\n}\n")
        content, msgs = k.run('import * as uses from "%s/uses";\nimport { base } from "%s/lib";\nuses.value() + base()' % (rel, rel))
        check(content['status'] == 'ok' and result_text(msgs) == '11', (content, msgs))
        write('export function base(): number {\n  return 2;\n}\nexport const added = "new";\n', 5)
        content, msgs = k.run('uses.value() + base()')
        check(content['status'] == 'ok', content)
        check(result_text(msgs) == '22', 'after the edit: %s (want 22: both the module and its importer reloaded)' % result_text(msgs))
        content, msgs = k.run('import { added } from "%s/lib";\nadded' % rel)
        check(content['status'] == 'ok' and result_text(msgs) == "'new'", (content, msgs))
        write('export function base(): number {\n  return ("3" as unknown as number) * 1;\n}\nexport const added: number = "x";\n', 10)
        content, msgs = k.run('uses.value()')
        check(content['status'] == 'ok', 'a type error in a library file must not fail the cell: %r' % content)
        warn = ''.join(m['text'] for m in of_type(msgs, 'stream') if m['name'] == 'stderr')
        check('lib.ts:4:14 - error TS2322' in warn, 'a warning naming the file and line expected, got %r' % warn)
        write('export function base(): number {\n  return 4 +;\n}\n', 15)  # a syntax error: the old code stays
        content, msgs = k.run('uses.value()')
        check(content['status'] == 'ok' and result_text(msgs) == '30', (content, msgs))
        warn = ''.join(m['text'] for m in of_type(msgs, 'stream') if m['name'] == 'stderr')
        check('reload of' in warn and 'failed' in warn, 'a failed reload must be reported: %r' % warn)
        write('export function base(): number {\n  return 5;\n}\n', 20)
        content, msgs = k.run('uses.value()')
        check(content['status'] == 'ok' and result_text(msgs) == '50', 'after fixing the file: %r' % ((content, msgs),))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def t_display(k):
    state = ('({ iteration: 3, rho: 0.5, stable: 0, converged: false, modules: [], reports: [{ iteration: 3, lambda: 0.25, '
             'primalResidual: 0.001, dualResidual: 0.002, objective: 1.5, sparsity: 0.3, flipped: 1, '
             'perModule: [{ id: "layers.0.ffn", units: 4, removed: 1, sparsity: 0.25 }] }] })')
    content, msgs = k.run(state)
    res = of_type(msgs, 'execute_result')
    check(content['status'] == 'ok' and len(res) == 1, (content, msgs))
    check('AdmmState, iteration 3' in res[0]['data'].get('text/html', '') and res[0]['data']['text/plain'].startswith('AdmmState'), res[0]['data'])


def t_interrupt(k):
    msg_id = k.kc.execute('await new Promise((r) => setTimeout(r, 60000))')
    time.sleep(1.0)
    t0 = time.time()
    k.km.interrupt_kernel()
    reply = k.kc.get_shell_msg(timeout=30)
    check(reply['parent_header']['msg_id'] == msg_id, reply)
    check(reply['content']['status'] == 'error' and reply['content']['ename'] == 'Interrupted', reply['content'])
    check(time.time() - t0 < 10, 'the interrupt took %.1f s' % (time.time() - t0))
    content, msgs = k.run('"alive"')
    check(content['status'] == 'ok' and result_text(msgs) == "'alive'", (content, msgs))
    msg_id = k.kc.execute('let spins = 0;\nwhile (true) spins++;')  # a synchronous loop: SIGINT breaks it
    time.sleep(1.0)
    k.km.interrupt_kernel()
    reply = k.kc.get_shell_msg(timeout=30)
    check(reply['parent_header']['msg_id'] == msg_id and reply['content'].get('ename') == 'Interrupted', reply['content'])
    content, msgs = k.run('"alive again"')
    check(content['status'] == 'ok' and result_text(msgs) == "'alive again'", (content, msgs))


def t_notebook(_k):
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in ['const n = 6;', 'n * 7', 'throw new RangeError(`bad n ${n}`)', '"after"']]
    NotebookClient(nb, timeout=120, kernel_name=KERNEL, allow_errors=True, resources={'metadata': {'path': ROOT}}).execute()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'saved.ipynb')
        nbformat.write(nb, path)
        saved = nbformat.read(path, as_version=4)
    counts = [c.execution_count for c in saved.cells]
    check(counts == [1, 2, 3, 4], 'execution counts %r' % counts)
    check(saved.cells[1].outputs[0]['output_type'] == 'execute_result' and saved.cells[1].outputs[0]['data']['text/plain'] == '42', saved.cells[1].outputs)
    err = [o for o in saved.cells[2].outputs if o['output_type'] == 'error']
    check(len(err) == 1 and err[0]['ename'] == 'RangeError' and err[0]['evalue'] == 'bad n 6' and err[0]['traceback'][0] == 'RangeError: bad n 6', saved.cells[2].outputs)
    check(saved.cells[3].outputs and saved.cells[3].outputs[0]['data']['text/plain'] == "'after'", saved.cells[3].outputs)


def t_console(_k):
    code = '6 * 7\nconst rows = [1, 2, 3];\n({ rows }).rows.length\nlet s: string | null = null; s.length\nthrow new TypeError("console boom")\n"still here"\n'
    try:
        r = subprocess.run(['jupyter', 'console', '--kernel', KERNEL, '--simple-prompt', '-y'], input=code, capture_output=True,
                           text=True, timeout=180, cwd=ROOT)
    except subprocess.TimeoutExpired as e:
        raise AssertionError('jupyter console did not finish in 180 s; it printed:\n%s%s' % (e.stdout or '', e.stderr or '')) from None
    out = r.stdout + r.stderr  # jupyter console prints tracebacks on stderr
    check('Out[1]: 42' in out and 'Out[3]: 3' in out, out[-2000:])
    check("error TS18047: 's' is possibly 'null'" in out and 'TypeError: console boom' in out and "Out[6]: 'still here'" in out, out[-2000:])


def t_late_iopub(_k):
    import zmq
    from jupyter_client.manager import KernelManager
    km = KernelManager(kernel_name=KERNEL)
    km.start_kernel()
    ctx = zmq.Context.instance()
    kc = None
    try:
        # Wait until the kernel's sockets are bound: its heartbeat echoes.
        hb_addr = 'tcp://%s:%d' % (km.ip, km.hb_port)
        t0 = time.time()
        while True:
            hb = ctx.socket(zmq.REQ)
            hb.linger = 0
            hb.connect(hb_addr)
            hb.send(b'ping')
            ok = hb.poll(500)
            hb.close()
            if ok:
                break
            check(km.is_alive() and time.time() - t0 < 120, 'the kernel did not answer its heartbeat within 120 s')
        kc = km.client()
        kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        msg_id = kc.execute('6 * 7')
        time.sleep(0.5)  # the request is at the kernel; a PUB socket would publish its messages to nobody
        kc.iopub_channel.start()
        seen = []
        t0 = time.time()
        while time.time() - t0 < 30:
            try:
                m = kc.get_iopub_msg(timeout=1)
            except Exception:  # noqa: BLE001 (queue.Empty)
                continue
            if m['parent_header'].get('msg_id') != msg_id:
                continue
            seen.append(m['content'].get('execution_state', m['msg_type']))
            if seen[-1] == 'idle':
                break
        check(seen[:1] == ['busy'] and seen[-1:] == ['idle'] and 'execute_result' in seen,
              'IOPub messages of the first request: %r (want busy ... execute_result ... idle)' % seen)
        reply = kc.get_shell_msg(timeout=30)
        check(reply['parent_header'].get('msg_id') == msg_id and reply['content']['status'] == 'ok', reply['content'])
    finally:
        if kc is not None:
            kc.stop_channels()
        km.shutdown_kernel(now=True)


def t_shutdown(k):
    pid = k.km.provisioner.process.pid if getattr(k.km, 'provisioner', None) else None
    k.kc.shutdown()
    reply = k.kc.get_control_msg(timeout=30)
    check(reply['msg_type'] == 'shutdown_reply' and reply['content']['status'] == 'ok', reply)
    t0 = time.time()
    while k.km.is_alive() and time.time() - t0 < 10:
        time.sleep(0.1)
    check(not k.km.is_alive(), 'the kernel process %s still runs 10 s after shutdown_request' % pid)


def main():
    on_kernel = [t_counts, t_await, t_strict, t_traceback, t_shorthand, t_reload, t_display, t_interrupt, t_shutdown]
    standalone = [t_notebook, t_console, t_late_iopub]
    os.makedirs(os.path.join(ROOT, '.tmp'), exist_ok=True)
    passed = failed = 0
    k = Kernel()
    try:
        for t in on_kernel + standalone:
            t0 = time.time()
            try:
                t(k if t in on_kernel else None)
                passed += 1
                print('PASS  %s  %.1f s' % (t.__name__[2:], time.time() - t0), flush=True)
            except Exception as e:  # noqa: BLE001 (report every check)
                failed += 1
                print('FAIL  %s: %s\n%s' % (t.__name__[2:], e, traceback.format_exc(limit=2)), flush=True)
    finally:
        k.close()
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

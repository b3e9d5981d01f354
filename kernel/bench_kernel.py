#!/usr/bin/python3
"""Kernel start-up benchmark: seconds from starting a kernel to its first result, and for the first
`import * as sp from './src/index'` cell (which type-checks and loads the library).

    /usr/bin/python3 kernel/bench_kernel.py [--kernel structprune-ts] [--runs 3] [--extra-path DIR]

Each run starts a fresh kernel and measures, wall clock:
  start→info    start of the process until kernel_info_reply
  start→result  start until the reply of the first cell `6 * 7`
  import        the cell `import * as sp from './src/index'` (the first import of the library)
  next cell     a following cell using the library (`sp.describeModel` is looked up)
`--kernel A --kernel B` interleaves runs of both kernels (A/B on the same loaded machine). `--extra-path`
prepends a folder to JUPYTER_PATH (e.g. a copy of an older kernel spec). Timing only: no assertions.
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run_once(name):
    from jupyter_client.manager import start_new_kernel
    t0 = time.time()
    km, kc = start_new_kernel(kernel_name=name, startup_timeout=120)
    t_info = time.time() - t0
    try:
        def cell(code):
            t = time.time()
            reply = kc.execute_interactive(code, timeout=600, output_hook=lambda m: None)
            if reply['content']['status'] != 'ok':
                raise RuntimeError('%s: cell %r failed: %s' % (name, code, reply['content']))
            return time.time() - t
        cell('6 * 7')
        t_result = time.time() - t0
        t_import = cell("import * as sp from './src/index'")
        t_next = cell('typeof sp.describeModel')
        return t_info, t_result, t_import, t_next
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--kernel', action='append', help='kernel name (repeat to interleave A/B); default structprune-ts')
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--extra-path', action='append', default=[], help='folder to prepend to JUPYTER_PATH')
    args = ap.parse_args()
    paths = args.extra_path + [HERE] + [p for p in os.environ.get('JUPYTER_PATH', '').split(os.pathsep) if p]
    os.environ['JUPYTER_PATH'] = os.pathsep.join(paths)
    kernels = args.kernel or ['structprune-ts']
    results = {k: [] for k in kernels}
    for i in range(args.runs):
        for k in kernels:
            r = run_once(k)
            results[k].append(r)
            print('%-22s run %d: start→info %.2f s, start→result %.2f s, import %.2f s, next cell %.2f s' % ((k, i + 1) + r), flush=True)
    for k, rs in results.items():
        med = [statistics.median(col) for col in zip(*rs)]
        print('%-22s median of %d: start→info %.2f s, start→result %.2f s, import %.2f s, next cell %.2f s' % ((k, len(rs)) + tuple(med)))
    return 0


if __name__ == '__main__':
    sys.exit(main())

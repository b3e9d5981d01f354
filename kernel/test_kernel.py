#!/usr/bin/python3
"""Kernel conformance: jupyter_kernel_test against the repo's kernel spec (kernel/kernels/structprune-ts).

Run with Debian's /usr/bin/python3 (python3-jupyter-kernel-test; see scripts/setup-jupyter.sh):
    /usr/bin/python3 kernel/test_kernel.py
Every check of jupyter_kernel_test runs. The kernel (kernel/tslab, a fork of tslab 1.0.22) has no known
deviation left; KNOWN_DEVIATIONS stays as the place to list one, reported as such, not as an error. Exit
status 1 for any other failure. Last line: `N passed, N known deviations, N failed`.
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ['JUPYTER_PATH'] = os.pathsep.join([HERE] + [p for p in os.environ.get('JUPYTER_PATH', '').split(os.pathsep) if p and p != HERE])

import jupyter_kernel_test as jkt  # noqa: E402  (after JUPYTER_PATH)

# test name -> what the kernel does instead (tslab 1.0.22 had three: kernel_info without status, errors
# without ename/evalue and no error message, last values on stdout instead of execute_result).
KNOWN_DEVIATIONS = {}

# Checks without a sample, and why.
NOT_TESTED = {
    'test_pager': 'not applicable: TypeScript has no `?` help syntax; inspect_request (Shift-Tab) shows types and docs',
}


class StructPruneKernelTests(jkt.KernelTests):
    kernel_name = 'structprune-ts'
    language_name = 'typescript'
    file_extension = '.ts'

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("an error line")'
    completion_samples = [{'text': 'Math.ma', 'matches': {'max'}}]
    complete_code_samples = ['1 + 1', 'const x = 3;']
    incomplete_code_samples = ['function f(a: number) {', 'const y = [1, 2,']
    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [
        {'code': '6 * 7', 'result': '42'},
        {'code': '[{ method: "local", ppl: 9.5 }]', 'mime': 'text/html'},  # a result table (src/plot/display.ts)
    ]
    code_display_data = [
        {'code': 'import * as tslab from "tslab";\ntslab.display.html("<b>bold</b>")', 'mime': 'text/html'},
        {'code': 'import * as tslab from "tslab";\ntslab.display.markdown("**bold**")', 'mime': 'text/markdown'},
        {'code': 'import { display } from "./src/plot/display";\ndisplay([{ a: 1, b: "x" }])', 'mime': 'text/html'},
    ]
    code_inspect_sample = 'Math.max'
    supported_history_operations = ('tail', 'range', 'search')
    code_history_pattern = '6 * 7'
    code_clear_output = 'import { clearOutput } from "./src/plot/display";\nclearOutput()'


class Recorder(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.outcome = {}  # test name -> (ok, detail)

    @staticmethod
    def name(test):
        return test.id().split('.')[-1].split(' ')[0]

    def addSuccess(self, test):
        self.outcome.setdefault(self.name(test), (True, ''))

    def addFailure(self, test, err):
        self.outcome[self.name(test)] = (False, self._exc_info_to_string(err, test).strip().splitlines()[-1])

    addError = addFailure

    def addSubTest(self, test, subtest, err):
        if err is not None:
            self.outcome[self.name(test)] = (False, self._exc_info_to_string(err, test).strip().splitlines()[-1])

    def addSkip(self, test, reason):
        self.outcome[self.name(test)] = (None, reason)


def main():
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(StructPruneKernelTests)
    result = Recorder()
    suite.run(result)
    passed = known = failed = 0
    for name in sorted(result.outcome):
        ok, detail = result.outcome[name]
        if ok is None:
            print('SKIP  %s (%s)' % (name, detail or NOT_TESTED.get(name, 'no sample')))
        elif ok:
            passed += 1
            print('PASS  %s%s' % (name, '  — known deviation FIXED, remove it from KNOWN_DEVIATIONS' if name in KNOWN_DEVIATIONS else ''))
        elif name in KNOWN_DEVIATIONS:
            known += 1
            print('KNOWN %s: %s\n      (%s)' % (name, KNOWN_DEVIATIONS[name], detail))
        else:
            failed += 1
            print('FAIL  %s: %s' % (name, detail))
    print('%d passed, %d known deviations, %d failed' % (passed, known, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

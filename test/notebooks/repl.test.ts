// `npm run repl` end to end: a real REPL process, fed one input per prompt (as a user types; piping all lines
// at once would evaluate them before an awaited input finishes). Checks the preloaded typed `sp`, top-level
// await keeping a `const`, a type error that stops an input from running, and multi-line input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');

/** Run the REPL, send each input after the previous prompt, return the output that followed each input. */
function session(inputs: string[], timeoutMs = 120_000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'repl.ts')], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    const outputs: string[] = [];
    let buf = '';
    let next = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`REPL timed out after ${inputs[next - 1]}; output so far:\n${buf.slice(-2000)}`));
    }, timeoutMs);
    const onData = (b: Buffer) => {
      buf += b.toString();
      // A prompt ('> ' for a new input, '... ' inside a multi-line one) at the end of the output: send the next line.
      if (!/(^|\n)(> |\.\.\. )$/.test(buf)) return;
      if (next > 0) outputs.push(buf.replace(/(^|\n)(> |\.\.\. )$/, '').trim());
      buf = '';
      if (next < inputs.length) child.stdin.write(inputs[next++] + '\n');
      else child.stdin.end('.exit\n');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(outputs);
    });
  });
}

test('npm run repl: typed, top-level await, the library preloaded as sp', { timeout: 150_000 }, async () => {
  const out = await session([
    'const methods = await Promise.resolve(sp.PRUNE_METHODS);',
    'methods.length > 0 && methods.includes("structprune")',
    "const bad: number = 'a';",
    'typeof bad',
    'function twice(x: number) {',
    '  return 2 * x;',
    '}',
    'twice(21)',
    "sp.allocate({ modules: [{ n: 4, cost: 1, E: 0 }], budget: 2 }, { kind: 'uniform' }).counts",
  ]);
  assert.equal(out[1], 'true', 'a const bound by top-level await is visible in the next input');
  assert.match(out[2], /error TS2322: Type 'string' is not assignable to type 'number'/);
  assert.match(out[3], /TS2304: Cannot find name 'bad'/, 'an input with a type error is not run and declares nothing');
  assert.equal(out[7], '42', 'multi-line input');
  assert.equal(out[8], '[ 2 ]');
});

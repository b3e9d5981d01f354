// Run the CLI in this process: main(argv, io) with its output captured. The same code path as the binary
// minus the process start and backend initialisation (~2 s each), so CLI tests can cover many cases quickly;
// test/cli/cli.test.ts still spawns the real binary for exit codes.
import { main } from '../../src/cli/main';

export async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => void out.push(s), err: (s) => void err.push(s), errIsTTY: false });
  return { code, out: out.join(''), err: err.join('') };
}

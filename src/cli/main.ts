// The `structprune` command line. Exit codes: 0 ok, 1 failure (one-line error), 2 bad arguments (usage).
import { UsageError } from '../errors';
import * as generate from './commands/generate';
import * as evalCmd from './commands/eval';
import * as data from './commands/data';
import * as pruneCmd from './commands/prune';
import * as sweepCmd from './commands/sweep';
import * as demo from './commands/demo';
import * as fixture from './commands/fixture';
import * as logits from './commands/logits';
import * as convert from './commands/convert';
import * as memoryCmd from './commands/memory';
import * as bench from './commands/bench';

interface Command {
  usage: string;
  run(argv: string[]): Promise<number>;
}

export const COMMANDS: Record<string, Command> = {
  demo, generate, eval: evalCmd, prune: pruneCmd, sweep: sweepCmd, data, fixture, logits, convert, memory: memoryCmd, bench,
};

export function usage(): string {
  return ['Usage: structprune <command> [options]   (every command: --data-dir DIR, --json, --help)', '', ...Object.values(COMMANDS).map((c) => c.usage), '',
    'Environment: STRUCTPRUNE_DATA (data directory), STRUCTPRUNE_BACKEND=wasm|cpu|tensorflow, STRUCTPRUNE_BLAS=auto|openblas|ts,',
    '  STRUCTPRUNE_ATTENTION=auto|native|js|tfjs.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  try {
    if (!cmd) throw new UsageError(`unknown command "${name}"`);
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(cmd.usage + '\n');
      return 0;
    }
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`structprune: ${e.message}\n\n${cmd ? cmd.usage : usage()}\n`);
      return 2;
    }
    const err = e as Error;
    process.stderr.write(`structprune: ${err.message.split('\n')[0]}\n`);
    if (process.env.STRUCTPRUNE_DEBUG) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

// The `structprune` command line. Exit codes: 0 ok, 1 failure (the library's whole message: what, why, fix),
// 2 bad arguments (message and usage).
import { UsageError } from '../errors';
import { CliIO, cliIO, PROCESS_IO } from './output';
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
import * as web from './commands/web';
import * as exportCmd from './commands/export';
import * as bench from './commands/bench';

interface Command {
  usage: string;
  run(argv: string[]): Promise<number>;
}

export const COMMANDS: Record<string, Command> = {
  demo,
  generate,
  eval: evalCmd,
  prune: pruneCmd,
  sweep: sweepCmd,
  data,
  fixture,
  logits,
  convert,
  memory: memoryCmd,
  web,
  export: exportCmd,
  bench,
};

export function usage(): string {
  return [
    'Usage: structprune <command> [options]   (every command: --data-dir DIR, --json, --help)',
    '',
    ...Object.values(COMMANDS).map((c) => c.usage),
    '',
    'Environment: STRUCTPRUNE_DATA (data directory), STRUCTPRUNE_BACKEND=wasm|cpu|tensorflow|webgpu, STRUCTPRUNE_BLAS=auto|openblas|ts,',
    '  STRUCTPRUNE_ATTENTION=auto|native|js|tfjs (CPU attention kernel), STRUCTPRUNE_ATTENTION_LAYOUT=perHead|batched.',
  ].join('\n');
}

/**
 * Library errors name options as "option `dataDir`" (notebook users pass options objects); on the command
 * line the same option is a flag: "--data-dir". The whole message is printed: reason and fix included.
 */
export function cliWords(message: string): string {
  return message.replace(/option `(\w+)`/g, (_, name: string) => `--${name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`);
}

export async function main(argv: string[], io: CliIO = PROCESS_IO): Promise<number> {
  const previous = cliIO.current;
  cliIO.current = io;
  try {
    return await runMain(argv, io);
  } finally {
    cliIO.current = previous;
  }
}

async function runMain(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage() + '\n');
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  try {
    if (!cmd) throw new UsageError(`unknown command "${name}"`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(cmd.usage + '\n');
      return 0;
    }
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`structprune: ${cliWords(e.message)}\n\n${cmd ? cmd.usage : usage()}\n`);
      return 2;
    }
    const err = e as Error;
    io.err(`structprune: ${cliWords(err.message)}\n`);
    if (process.env.STRUCTPRUNE_DEBUG) io.err(`${err.stack}\n`);
    return 1;
  }
}

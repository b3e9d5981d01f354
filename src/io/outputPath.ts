// One policy for every path the project writes (CLI and library alike), checked before any work starts:
//   - never the input: an output that is an input, contains one, or lies inside an input folder is refused;
//   - files: a missing file is fine (missing parent folders are created at write time); an existing file is
//     replaced only with `force`; a folder where a file is expected is refused;
//   - model folders: a missing or empty folder is fine; a folder that already holds a model of the same kind
//     (`isOurs`) is replaced as a whole (see io/atomicDir.ts); any other non-empty folder ("foreign") is
//     refused, even with `force`, because replacing it would delete files the project did not write.
// Library errors name the path, the reason and the fix in library terms (`force: true`); the CLI rephrases
// them with its flags (see OutputPathError.reason).
import * as fs from 'node:fs';
import * as path from 'node:path';

export type OutputProblem = 'is-input' | 'contains-input' | 'exists' | 'is-directory' | 'not-directory' | 'foreign' | 'parent-not-directory' | 'locked';

/** An output path the policy refuses; `reason` says why, in words that suit both CLI and library users. */
export class OutputPathError extends Error {
  constructor(
    readonly target: string,
    readonly problem: OutputProblem,
    readonly reason: string,
    fix: string,
  ) {
    super(`${target}: ${reason}${fix ? `; ${fix}` : ''}`);
    this.name = 'OutputPathError';
  }
}

export interface OutputPolicyOptions {
  /** Paths read by the run (the input model file or folder, a tokenizer, a text file): never written. */
  inputs?: (string | undefined)[];
  /** Replace an existing file (default false). Folders of a foreign kind are refused regardless. */
  force?: boolean;
}

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function checkInputs(abs: string, target: string, inputs: (string | undefined)[] = []): void {
  for (const input of inputs) {
    if (!input) continue;
    const i = path.resolve(input);
    if (i === abs) throw new OutputPathError(target, 'is-input', 'is an input of this run', 'choose another path');
    if (inside(i, abs)) throw new OutputPathError(target, 'contains-input', `contains the input ${input}`, 'choose another path');
    if (inside(abs, i) && fs.existsSync(i) && fs.statSync(i).isDirectory())
      throw new OutputPathError(target, 'is-input', `is inside the input folder ${input}`, 'choose a path outside it');
  }
}

/** The nearest existing ancestor of `abs` must be a folder (so the missing parents can be created). */
function checkParent(abs: string, target: string): void {
  let p = path.dirname(abs);
  while (!fs.existsSync(p)) {
    const up = path.dirname(p);
    if (up === p) return;
    p = up;
  }
  if (!fs.statSync(p).isDirectory()) throw new OutputPathError(target, 'parent-not-directory', `${p} is a file, not a folder`, 'choose a path inside a folder');
}

/** Check an output file (a trace, an HTML report). Throws {@link OutputPathError}; returns the absolute path. */
export function checkOutputFile(target: string, opts: OutputPolicyOptions = {}): string {
  const abs = path.resolve(target);
  checkInputs(abs, target, opts.inputs);
  if (fs.existsSync(abs)) {
    if (fs.statSync(abs).isDirectory()) throw new OutputPathError(target, 'is-directory', 'is a folder, a file name is expected', 'give a file path');
    if (!opts.force) throw new OutputPathError(target, 'exists', 'exists', 'pass force: true to replace it, or choose another path');
  } else checkParent(abs, target);
  return abs;
}

/** Names that the project's own interrupted writes leave behind (atomic temp files, lock files); ignored. */
export function isLeftover(name: string): boolean {
  return /^\..+\.\d+\.[0-9a-f]{12}\.(tmp|part|old)$/.test(name) || name.endsWith('.lock');
}

/**
 * Check an output folder that will hold a model (pruned or HF). `isOurs(dir)` says whether an existing
 * non-empty folder already holds a model of this kind (it is then replaced as a whole). Returns the absolute
 * path and whether the folder already holds such a model.
 */
export function checkOutputDir(target: string, isOurs: (dir: string) => boolean, opts: OutputPolicyOptions = {}): { abs: string; replaces: boolean } {
  const abs = path.resolve(target);
  checkInputs(abs, target, opts.inputs);
  if (!fs.existsSync(abs)) {
    checkParent(abs, target);
    return { abs, replaces: false };
  }
  if (!fs.statSync(abs).isDirectory()) throw new OutputPathError(target, 'not-directory', 'exists and is not a folder', 'choose a folder path');
  const entries = fs.readdirSync(abs).filter((n) => !isLeftover(n));
  if (entries.length === 0) return { abs, replaces: false };
  if (isOurs(abs)) return { abs, replaces: true };
  throw new OutputPathError(
    target,
    'foreign',
    `is a non-empty folder that does not hold a saved model (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''}): refusing to overwrite it`,
    'choose a new or empty folder',
  );
}

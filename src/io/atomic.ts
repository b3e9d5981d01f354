// Atomic file writes: readers of `target` see either its old content or the complete new content, never a
// half-written file, even if the writer throws or the process dies mid-write.
//
// Recipe (the classic POSIX one): write into a fresh temp file in the target's own directory (so the rename
// stays inside one filesystem), fsync it, close it, rename it over the target (atomic on POSIX; on Windows
// Node's rename replaces the target too), then fsync the directory so the rename itself is durable (best
// effort: not every platform can open a directory). On any failure before the rename the temp file is
// removed and the original error is re-thrown; the target is untouched.
//
// All functions are synchronous: they are used from CLI code and notebooks alike and keep error handling
// (cleanup on throw) in one straight line.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Options of the atomic writers. */
export interface AtomicWriteOptions {
  /**
   * Permission bits of a newly created target (default 0o666, reduced by the process umask). When the
   * target already exists its current permission bits are kept instead.
   */
  mode?: number;
}

/**
 * The temp path used while writing `target`: `.<basename>.<pid>.<12 hex>.tmp` in the same directory. The
 * random suffix only avoids collisions between concurrent writers; it never affects file contents.
 */
export function atomicTempPath(target: string): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  return path.join(dir, `.${base}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** True for the temp names made by {@link atomicTempPath} for `basename` (used by tests and cleanup tools). */
export function isAtomicTempName(name: string, basename: string): boolean {
  return name.startsWith(`.${basename}.`) && name.endsWith('.tmp');
}

/**
 * Write all of `bytes` to `fd` at its current position, looping over short writes (fs.writeSync may write
 * fewer bytes than asked for large buffers or on pipes).
 */
export function writeFullySync(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.byteLength) {
    done += fs.writeSync(fd, bytes, done, bytes.byteLength - done);
  }
}

/**
 * Atomically create or replace `target` with whatever `write(fd)` writes to the open file descriptor
 * (streaming: nothing is buffered here). `write` must write sequentially with fs.writeSync /
 * {@link writeFullySync} and must not close `fd`. If `write` throws, the temp file is removed, the target
 * keeps its old content (or stays absent) and the error propagates unchanged.
 */
export function writeFileAtomicWith(target: string, write: (fd: number) => void, options: AtomicWriteOptions = {}): void {
  const tmp = atomicTempPath(target);
  let keepMode: number | undefined;
  try {
    keepMode = fs.statSync(target).mode & 0o777;
  } catch {
    // absent target: the requested mode applies
  }
  let fd: number | undefined = fs.openSync(tmp, 'wx', options.mode ?? 0o666);
  try {
    if (keepMode !== undefined) fs.fchmodSync(fd, keepMode);
    write(fd);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
  } catch (err) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing: the original error matters more
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw err;
  }
  fsyncDirectory(path.dirname(target));
}

/**
 * Atomically create or replace `target` with `data` (a string is written as UTF-8).
 * See {@link writeFileAtomicWith} for the guarantees.
 */
export function writeFileAtomic(target: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  writeFileAtomicWith(target, (fd) => writeFullySync(fd, bytes), options);
}

/** Options of {@link writeJsonAtomic}. */
export interface WriteJsonOptions extends AtomicWriteOptions {
  /** Spaces of indentation (default 2; 0 writes one line). A trailing newline is always added. */
  indent?: number;
}

/**
 * Atomically write `value` as JSON (JSON.stringify semantics, default indent 2, trailing newline).
 * Throws a TypeError naming the file when `value` has no JSON form (undefined, a function, a symbol) and
 * propagates JSON.stringify's own errors (cycles, BigInt) before anything touches the disk.
 */
export function writeJsonAtomic(target: string, value: unknown, options: WriteJsonOptions = {}): void {
  const text = JSON.stringify(value, null, options.indent ?? 2);
  if (text === undefined) {
    throw new TypeError(`writeJsonAtomic(${target}): value of type ${typeof value} has no JSON form; pass an object, array, string, number, boolean or null`);
  }
  writeFileAtomic(target, text + '\n', options);
}

/** fsync a directory so a rename inside it is durable; silently skipped where directories cannot be opened. */
export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows and some filesystems refuse: the rename already happened, durability is best effort
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

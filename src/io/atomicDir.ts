// Whole-folder replacement and an output lock, for model folders (several files that must change together).
//
// writeDirAtomic: the new folder is written as a hidden sibling `.<name>.<pid>.<hex>.part`, then swapped in:
// rename target → `.<name>.<pid>.<hex>.old`, rename part → target, remove old. A reader sees the old model or
// the new one, never new weights with an old config. A kill between the two renames leaves no target but a
// complete `.old`: the next write (or `recoverDir`) renames it back. `.part`/`.old` siblings of dead
// processes are removed before each write.
//
// acquireOutputLock: `.<name>.lock` beside the target holds the writer's pid (created with O_EXCL); a second
// writer is refused while that process lives; a lock left by a dead process is taken over.
import { fsyncDirectory } from './atomic';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OutputPathError } from './outputPath';

function alive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sibling(abs: string, kind: 'part' | 'old'): string {
  return path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}.${randomBytes(6).toString('hex')}.${kind}`);
}

/** Leftover `.part`/`.old` siblings of `abs` from processes that no longer run. */
function staleSiblings(abs: string): { part: string[]; old: string[] } {
  const dir = path.dirname(abs);
  const base = path.basename(abs);
  const out = { part: [] as string[], old: [] as string[] };
  if (!fs.existsSync(dir)) return out;
  for (const n of fs.readdirSync(dir)) {
    if (!n.startsWith(`.${base}.`)) continue;
    const m = /^\.(.+)\.(\d+)\.[0-9a-f]{12}\.(part|old)$/.exec(n);
    if (!m || m[1] !== base || alive(Number(m[2]))) continue;
    out[m[3] as 'part' | 'old'].push(path.join(dir, n));
  }
  return out;
}

/**
 * Finish what an interrupted swap left: if `dir` is missing and a dead writer's `.old` copy exists, rename it
 * back; then remove the dead writers' `.part`/`.old` siblings. Returns true when a copy was restored.
 */
export function recoverDir(dir: string): boolean {
  const abs = path.resolve(dir);
  const stale = staleSiblings(abs);
  let restored = false;
  if (!fs.existsSync(abs) && stale.old.length > 0) {
    const newest = stale.old.map((p) => ({ p, t: fs.statSync(p).mtimeMs })).sort((a, b) => b.t - a.t)[0].p;
    fs.renameSync(newest, abs);
    stale.old = stale.old.filter((p) => p !== newest);
    restored = true;
  }
  for (const p of [...stale.part, ...stale.old]) fs.rmSync(p, { recursive: true, force: true });
  return restored;
}

/** Create or replace folder `dir` as a whole with what `write(tmpDir)` writes into a fresh sibling folder. */
export function writeDirAtomic(dir: string, write: (tmpDir: string) => void): void {
  const abs = path.resolve(dir);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  recoverDir(abs);
  const part = sibling(abs, 'part');
  fs.mkdirSync(part);
  try {
    write(part);
  } catch (e) {
    fs.rmSync(part, { recursive: true, force: true });
    throw e;
  }
  if (fs.existsSync(abs)) {
    const old = sibling(abs, 'old');
    fs.renameSync(abs, old);
    fs.renameSync(part, abs);
    fs.rmSync(old, { recursive: true, force: true });
  } else {
    fs.renameSync(part, abs);
  }
  fsyncDirectory(path.dirname(abs));
}

/** A held output lock; `release()` removes it (idempotent). */
export interface OutputLock {
  readonly target: string;
  readonly file: string;
  release(): void;
}

/** The lock file guarding `target`. */
export function lockFileOf(target: string): string {
  const abs = path.resolve(target);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.lock`);
}

/** Take the lock on `target` (a folder or file that this process is about to write). Throws OutputPathError 'locked'. */
export function acquireOutputLock(target: string): OutputLock {
  const file = lockFileOf(target);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      let held = true;
      return {
        target,
        file,
        release() {
          if (!held) return;
          held = false;
          fs.rmSync(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (alive(pid)) {
        throw new OutputPathError(
          target,
          'locked',
          `another run (pid ${pid}${pid === process.pid ? ', this process' : ''}) is writing it`,
          `wait for it to finish or choose another path (a stale lock is ${file})`,
        );
      }
      fs.rmSync(file, { force: true }); // left by a dead process
    }
  }
  throw new OutputPathError(target, 'locked', 'the lock could not be taken', `remove ${file} if no other run is writing it`);
}

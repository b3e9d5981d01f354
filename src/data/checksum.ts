// Size + sha256 verification of data files, memoised per file identity within the process.
//
// The memo is the one piece of module-level state in the data layer, on purpose: it never changes a
// result, only skips rehashing a file whose identity (absolute path, size, mtime, ctime, inode) and
// expected checksum are unchanged. Any write to the file changes its ctime, so an altered file is always
// rehashed.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';

/** Outcome of checking one file against an expected size and sha256. */
export interface FileCheck {
  /** True when the file exists with exactly the expected size and sha256. */
  ok: boolean;
  /** Why it is not ok: absent (or not a regular file), wrong size (not hashed), or wrong sha256. */
  reason?: 'missing' | 'size' | 'sha256';
  /** Size found on disk (absent when missing). */
  actualBytes?: number;
  /** sha256 found (only when the size matched and the file was hashed). */
  actualSha256?: string;
}

/** Expected identity of a file. */
export interface Expected {
  bytes: number;
  /** Lower-case hex sha256. */
  sha256: string;
}

const verified = new Map<string, string>();

/** Lower-case hex sha256 of a file, streamed (constant memory). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Check `file` (any path; made absolute) against `expected`. A file that already passed with the same
 * identity is not rehashed. Never throws for a missing file; other I/O errors (EACCES…) propagate.
 */
export async function checkFile(
  file: string,
  expected: Expected,
  /** Hash function (default sha256File); tests pass a counting wrapper to observe the memo. */
  hasher: (file: string) => Promise<string> = sha256File,
): Promise<FileCheck> {
  const abs = path.resolve(file);
  let st;
  try {
    st = await stat(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, reason: 'missing' };
    throw err;
  }
  if (!st.isFile()) return { ok: false, reason: 'missing' };
  if (st.size !== expected.bytes) return { ok: false, reason: 'size', actualBytes: st.size };
  const key = [abs, st.size, st.mtimeMs, st.ctimeMs, st.ino].join('\u0000');
  if (verified.get(key) === expected.sha256) {
    return { ok: true, actualBytes: st.size, actualSha256: expected.sha256 };
  }
  const actual = await hasher(abs);
  if (actual !== expected.sha256) {
    return { ok: false, reason: 'sha256', actualBytes: st.size, actualSha256: actual };
  }
  verified.set(key, actual);
  return { ok: true, actualBytes: st.size, actualSha256: actual };
}

// `structprune data fetch`: put every known file into the data directory, verified.
//
// For each selected file that is not already present with its registered size and sha256:
//   - `from` a local folder (or file:// URL): copy <from>/<path>;
//   - `from` an http(s) base URL: download <from>/<path> (a mirror laid out like ../shared/datasets);
//   - otherwise: download the canonical source (registry.ts) and cut the file out as its `extract` says.
// Bytes stream into a temp file in the destination folder while being hashed; a file whose size or
// sha256 is wrong is deleted and reported, a good one is renamed into place (atomic on one filesystem),
// so the data directory never holds a partial or unverified file. Downloads have an idle timeout and
// bounded retries (network errors, timeouts, HTTP 408/429/5xx); HTTP 4xx and checksum errors are final.
// Files are processed one after another; failures do not stop the others and are reported together.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors';
import { checkFile } from './checksum';
import { DataDirOptions, DataDirSource, locateDataDir } from './datadir';
import { KNOWN_FILES, KnownFile } from './registry';
import { TransferError, TransferErrorKind, TransferPlan, transferOnce } from './transfer';

/** Options of fetchData (all optional). */
export interface FetchOptions extends DataDirOptions {
  /**
   * Mirror to take files from instead of the canonical sources: an http(s) base URL (file at
   * base + '/' + registry path) or a local folder / file:// URL laid out the same way.
   */
  from?: string;
  /** Ids (or registry paths) to fetch. Default: every file of `files`. */
  ids?: readonly string[];
  /** Re-fetch files even when present and valid. Default false. */
  force?: boolean;
  /** Called with progress events (synchronously; keep it cheap). */
  onProgress?: (event: FetchProgress) => void;
  /** Abort an attempt when no bytes arrive for this long (ms). Default 30000. */
  idleTimeoutMs?: number;
  /** Extra attempts after a retryable failure. Default 2 (3 attempts in all). */
  retries?: number;
  /** Delay before the first retry (ms), doubled for each further one. Default 1000. */
  retryDelayMs?: number;
  /** The file table. Default KNOWN_FILES; tests pass synthetic rows. */
  files?: readonly KnownFile[];
}

/** One progress event. `bytes` counts bytes written to the destination so far. */
export interface FetchProgress {
  id: string;
  path: string;
  phase: 'present' | 'start' | 'bytes' | 'retry' | 'done' | 'failed';
  /** Registered size of the file. */
  totalBytes: number;
  bytes?: number;
  /** URL or folder being read (start/retry). */
  source?: string;
  /** 1-based attempt number (start/retry). */
  attempt?: number;
  /** Error text (retry/failed). */
  message?: string;
}

/** What happened to one file. */
export interface FetchResult {
  id: string;
  /** Absolute destination path. */
  path: string;
  status: 'present' | 'downloaded' | 'copied';
  /** Size of the verified file. */
  bytes: number;
  /** Where it came from (absent when it was already present). */
  source?: string;
}

/** Why one file could not be fetched. */
export interface FetchFailure {
  id: string;
  /** Absolute destination path. */
  path: string;
  /** URL or folder it was read from. */
  source: string;
  kind: TransferErrorKind;
  /** HTTP status for kind 'http'. */
  status?: number;
  message: string;
}

/** fetchData could not deliver every selected file; `results` lists the ones it did deliver. */
export class DataFetchError extends Error {
  override readonly name = 'DataFetchError';
  constructor(
    readonly failures: readonly FetchFailure[],
    readonly results: readonly FetchResult[],
    readonly dataDir: string,
  ) {
    super(
      `data fetch: ${failures.length} file(s) failed, ${results.length} ok, data directory ${dataDir}\n` +
        failures.map((f) => `  - ${f.message}`).join('\n') +
        `\n  fix: retry; or fetch from a mirror (option \`from\`: a base URL or a folder laid out like the data directory);` +
        ` or use a data directory that holds verified copies (option \`dataDir\`, or the STRUCTPRUNE_DATA environment variable).`,
    );
  }
}

function isUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
}

function planFor(known: KnownFile, from: string | undefined): TransferPlan {
  if (from === undefined) return { kind: 'download', url: known.source.url, extract: known.source.extract };
  if (isUrl(from) && !from.startsWith('file:')) {
    const base = from.endsWith('/') ? from : from + '/';
    const rel = known.path.split('/').map(encodeURIComponent).join('/');
    return { kind: 'download', url: new URL(rel, base).href, extract: { kind: 'whole' } };
  }
  const dir = from.startsWith('file:') ? fileURLToPath(from) : path.resolve(from);
  return { kind: 'copy', file: path.join(dir, ...known.path.split('/')) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function fetchOne(
  known: KnownFile,
  dest: string,
  plan: TransferPlan,
  o: Required<Pick<FetchOptions, 'idleTimeoutMs' | 'retries' | 'retryDelayMs'>> & { emit: (e: FetchProgress) => void },
): Promise<FetchResult> {
  const source = plan.kind === 'copy' ? plan.file : plan.url;
  const base = { id: known.id, path: dest, totalBytes: known.bytes };
  try {
    await mkdir(path.dirname(dest), { recursive: true });
  } catch (err) {
    throw new TransferError('io', `${known.path}: cannot create ${path.dirname(dest)}: ${(err as Error).message}`, false);
  }
  for (let a = 1; ; a++) {
    const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
    o.emit({ ...base, phase: 'start', source, attempt: a });
    try {
      let got;
      try {
        got = await transferOnce({ known, plan, tmp, idleTimeoutMs: o.idleTimeoutMs, onBytes: (bytes) => o.emit({ ...base, phase: 'bytes', bytes }) });
      } catch (err) {
        if (err instanceof TransferError) throw err;
        throw new TransferError('io', `${known.path}: ${(err as Error).message}`, false);
      }
      if (got.bytes !== known.bytes || got.sha256 !== known.sha256) {
        throw new TransferError(
          'checksum',
          `${known.path}: checksum mismatch for the file from ${source}: expected ${known.bytes} bytes, ` +
            `sha256 ${known.sha256}; got ${got.bytes} bytes, sha256 ${got.sha256} (nothing was written)`,
          false,
        );
      }
      await rename(tmp, dest);
      const result: FetchResult = { id: known.id, path: dest, status: plan.kind === 'copy' ? 'copied' : 'downloaded', bytes: got.bytes, source };
      o.emit({ ...base, phase: 'done', bytes: got.bytes });
      return result;
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      const e = err as TransferError;
      if (!e.retryable || a > o.retries) throw e;
      const delayMs = o.retryDelayMs * 2 ** (a - 1);
      o.emit({ ...base, phase: 'retry', source, attempt: a + 1, message: e.message });
      await sleep(delayMs);
    }
  }
}

/**
 * Make the selected known files present and verified in the data directory (see the file header).
 * Returns one FetchResult per selected file, in registry order. Throws DataFetchError (after trying every
 * file) listing each failure with the file, the source and the reason; throws a UsageError for an unknown id.
 */
export async function fetchData(opts: FetchOptions = {}): Promise<FetchResult[]> {
  const table = opts.files ?? KNOWN_FILES;
  const wanted = opts.ids ?? table.map((f) => f.id);
  for (const id of wanted) {
    if (!table.some((f) => f.id === id || f.path === id)) {
      throw new UsageError(`Unknown data file '${id}'. Known ids: ${table.map((f) => f.id).join(', ')}.`);
    }
  }
  const selected = table.filter((f) => wanted.includes(f.id) || wanted.includes(f.path));
  const where: { dir: string; source: DataDirSource } = locateDataDir(opts);
  const emit = opts.onProgress ?? ((): void => undefined);
  const tuning = {
    idleTimeoutMs: opts.idleTimeoutMs ?? 30_000,
    retries: opts.retries ?? 2,
    retryDelayMs: opts.retryDelayMs ?? 1000,
    emit,
  };
  const results: FetchResult[] = [];
  const failures: FetchFailure[] = [];
  for (const known of selected) {
    const dest = path.join(where.dir, ...known.path.split('/'));
    if (!opts.force && (await checkFile(dest, known)).ok) {
      results.push({ id: known.id, path: dest, status: 'present', bytes: known.bytes });
      emit({ id: known.id, path: dest, totalBytes: known.bytes, phase: 'present', bytes: known.bytes });
      continue;
    }
    const plan = planFor(known, opts.from);
    try {
      results.push(await fetchOne(known, dest, plan, tuning));
    } catch (err) {
      const e = err as TransferError;
      const source = plan.kind === 'copy' ? plan.file : plan.url;
      failures.push({ id: known.id, path: dest, source, kind: e.kind ?? 'io', status: e.status, message: e.message });
      emit({ id: known.id, path: dest, totalBytes: known.bytes, phase: 'failed', source, message: e.message });
    }
  }
  if (failures.length > 0) throw new DataFetchError(failures, results, where.dir);
  return results;
}

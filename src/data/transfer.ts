// One transfer attempt of one file: read it from a local file or an http(s) URL, cut it out of the
// download as the registry's `extract` says, and stream it into a temp file while hashing it, never
// writing more than the registered size. Used by fetch.ts, which verifies, retries and renames.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { FileHandle, open } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import { KnownFile, SourceExtract } from './registry';
import { extractZipMember } from './zip';

/** Why a transfer failed. */
export type TransferErrorKind = 'http' | 'network' | 'timeout' | 'checksum' | 'source-missing' | 'format' | 'io';

/** A failed attempt: `retryable` says whether trying again may help. */
export class TransferError extends Error {
  constructor(
    readonly kind: TransferErrorKind,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

const MAX_ARCHIVE_BYTES = 512 * 1024 * 1024;

/** Where one file is read from: a local file to copy, or a URL to download and extract from. */
export type TransferPlan = { kind: 'copy'; file: string } | { kind: 'download'; url: string; extract: SourceExtract };

/** Hashing, size-capped writer into a temp file. */
class Sink {
  readonly hash = createHash('sha256');
  bytes = 0;
  private constructor(
    private readonly fh: FileHandle,
    private readonly known: KnownFile,
    private readonly onBytes: (n: number) => void,
  ) {}

  static async open(tmp: string, known: KnownFile, onBytes: (n: number) => void): Promise<Sink> {
    return new Sink(await open(tmp, 'wx'), known, onBytes);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.bytes + chunk.length > this.known.bytes) {
      throw new TransferError(
        'checksum',
        `${this.known.path}: source yields more than the expected ${this.known.bytes} bytes (expected sha256 ${this.known.sha256})`,
        false,
      );
    }
    this.hash.update(chunk);
    await this.fh.write(chunk);
    this.bytes += chunk.length;
    this.onBytes(this.bytes);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** Copy the source stream into the sink, applying `extract`. Returns when the file is complete. */
async function pump(src: Readable, extract: SourceExtract, sink: Sink, touch: () => void, label: string): Promise<void> {
  switch (extract.kind) {
    case 'whole':
      for await (const chunk of src) {
        touch();
        await sink.write(chunk as Buffer);
      }
      return;
    case 'headBytes': {
      let left = extract.bytes;
      for await (const chunk of src) {
        touch();
        const c = chunk as Buffer;
        const take = Math.min(left, c.length);
        await sink.write(c.subarray(0, take));
        left -= take;
        if (left === 0) return;
      }
      return;
    }
    case 'gunzipHeadLines': {
      const gz = createGunzip();
      pipeline(src, gz, () => undefined); // errors surface through the iteration of gz
      let left = extract.lines;
      if (left === 0) return;
      for await (const chunk of gz) {
        touch();
        const c = chunk as Buffer;
        let end = -1;
        for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) {
          if (--left === 0) {
            end = i + 1;
            break;
          }
        }
        if (end >= 0) {
          await sink.write(c.subarray(0, end));
          return;
        }
        await sink.write(c);
      }
      return;
    }
    case 'zipMember': {
      const parts: Buffer[] = [];
      let n = 0;
      for await (const chunk of src) {
        touch();
        n += (chunk as Buffer).length;
        if (n > MAX_ARCHIVE_BYTES) throw new TransferError('format', `${label}: archive larger than ${MAX_ARCHIVE_BYTES} bytes`, false);
        parts.push(chunk as Buffer);
      }
      let member: Buffer;
      try {
        member = extractZipMember(Buffer.concat(parts), extract.member);
      } catch (err) {
        throw new TransferError('format', `${label}: ${(err as Error).message}`, false);
      }
      await sink.write(member);
      return;
    }
  }
}

/** What one attempt needs. */
export interface AttemptCtx {
  /** Registry row (its size caps what is written). */
  known: KnownFile;
  plan: TransferPlan;
  /** Temp file to create; must not exist. The caller deletes it on failure. */
  tmp: string;
  /** Abort when no bytes arrive for this long (ms). */
  idleTimeoutMs: number;
  /** Called with the running count of bytes written. */
  onBytes: (n: number) => void;
}

/** One attempt: create ctx.tmp (exclusive), fill it with the file, return its sha256 and size (unverified). */
export async function transferOnce(ctx: AttemptCtx): Promise<{ sha256: string; bytes: number }> {
  const { known, plan, tmp } = ctx;
  const sink = await Sink.open(tmp, known, ctx.onBytes);
  try {
    if (plan.kind === 'copy') {
      let src: Readable;
      try {
        src = await openLocal(plan.file);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw new TransferError('source-missing', `${known.path}: not found in the source folder (${plan.file})`, false);
        throw new TransferError('io', `${known.path}: cannot read ${plan.file}: ${(err as Error).message}`, false);
      }
      await pump(src, { kind: 'whole' }, sink, () => undefined, plan.file);
    } else {
      await download(ctx, plan.url, plan.extract, sink);
    }
    return { sha256: sink.hash.digest('hex'), bytes: sink.bytes };
  } finally {
    await sink.close();
  }
}

async function openLocal(file: string): Promise<Readable> {
  const s = createReadStream(file);
  await new Promise<void>((resolve, reject) => {
    s.once('open', () => resolve());
    s.once('error', reject);
  });
  return s;
}

async function download(ctx: AttemptCtx, url: string, extract: SourceExtract, sink: Sink): Promise<void> {
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, ctx.idleTimeoutMs);
  const touch = (): void => void timer.refresh();
  try {
    const headers: Record<string, string> = { 'user-agent': 'structprune-ts data fetch' };
    if (extract.kind === 'headBytes') headers.range = `bytes=0-${extract.bytes - 1}`;
    const res = await fetch(url, { signal: ac.signal, headers, redirect: 'follow' });
    touch();
    if (!res.ok) {
      const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
      await res.body?.cancel().catch(() => undefined);
      throw new TransferError('http', `${ctx.known.path}: HTTP ${res.status} ${res.statusText} from ${url}`, retryable, res.status);
    }
    if (!res.body) throw new TransferError('network', `${ctx.known.path}: empty response body from ${url}`, true);
    const src = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
    try {
      await pump(src, extract, sink, touch, url);
    } finally {
      src.destroy();
    }
  } catch (err) {
    if (err instanceof TransferError) throw err;
    if (timedOut) throw new TransferError('timeout', `${ctx.known.path}: no data for ${ctx.idleTimeoutMs} ms from ${url}`, true);
    if ((err as NodeJS.ErrnoException).code === 'Z_DATA_ERROR' || /incorrect header check|unexpected end of file/i.test(String((err as Error).message))) {
      throw new TransferError('format', `${ctx.known.path}: bad gzip stream from ${url}: ${(err as Error).message}`, false);
    }
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new TransferError('network', `${ctx.known.path}: ${(err as Error).message}${cause ? ` (${cause})` : ''} from ${url}`, true);
  } finally {
    clearTimeout(timer);
    ac.abort(); // closes the connection when we stopped reading early (head extracts)
  }
}

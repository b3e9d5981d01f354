// fetchData against a real HTTP server on 127.0.0.1 (port 0) serving the reference data read-only.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { UsageError } from '../../src/errors';
import { dataFile } from '../../src/data/datadir';
import { DataFetchError, FetchProgress, fetchData } from '../../src/data/fetch';
import { KNOWN_FILES, KnownFile, knownFile } from '../../src/data/registry';
import { REFERENCE_DATA, needsReferenceData } from '../referenceData';

const SHARED = REFERENCE_DATA;
const skip = needsReferenceData();
const tmp = mkdtempSync(path.join(tmpdir(), 'sp-fetch-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = (): string => {
  const d = path.join(tmp, `d${dirCount++}`);
  mkdirSync(d);
  return d;
};

type Handler = (urlPath: string, req: http.IncomingMessage, res: http.ServerResponse) => boolean;

interface Served {
  base: string;
  hits: Map<string, number>;
  close: () => Promise<void>;
}

/**
 * Serve `root` read-only (GET only, no escape from root). `override` may answer a request itself
 * (return true) to inject faults; `mutate` may alter a file's bytes before they are sent.
 */
async function serve(root: string, o: { override?: Handler; mutate?: (p: string, b: Buffer) => Buffer; extra?: Record<string, Buffer> } = {}): Promise<Served> {
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    hits.set(urlPath, (hits.get(urlPath) ?? 0) + 1);
    if (o.override?.(urlPath, req, res)) return;
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    let body = o.extra?.[urlPath];
    if (!body) {
      const file = path.resolve(root, '.' + urlPath);
      if (!file.startsWith(root + path.sep) || !existsSync(file)) {
        res.writeHead(404, 'Not Found').end('not found');
        return;
      }
      body = readFileSync(file);
    }
    if (o.mutate) body = o.mutate(urlPath, body);
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const noTempLeft = (dir: string): void => {
  if (!existsSync(dir)) return;
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.endsWith('.part')),
    [],
    `temp files left in ${dir}`,
  );
};

test('fetch from a local HTTP mirror: every known file arrives and verifies; a second run finds them present', { skip }, async () => {
  const srv = await serve(SHARED);
  try {
    const dir = freshDir();
    const events: FetchProgress[] = [];
    const res = await fetchData({ dataDir: dir, from: srv.base, onProgress: (e) => events.push(e) });
    assert.deepEqual(
      res.map((r) => r.id),
      KNOWN_FILES.map((f) => f.id),
    );
    for (const r of res) {
      assert.equal(r.status, 'downloaded');
      assert.equal(r.bytes, knownFile(r.id).bytes);
      assert.equal(await dataFile(r.id, { dataDir: dir }), r.path);
      noTempLeft(path.dirname(r.path));
    }
    assert.ok(events.some((e) => e.phase === 'bytes') && events.filter((e) => e.phase === 'done').length === KNOWN_FILES.length);
    const requests = [...srv.hits.values()].reduce((a, b) => a + b, 0);
    const again = await fetchData({ dataDir: dir, from: srv.base });
    assert.ok(again.every((r) => r.status === 'present'));
    assert.equal(
      [...srv.hits.values()].reduce((a, b) => a + b, 0),
      requests,
      'present files are not downloaded again',
    );
    const forced = await fetchData({ dataDir: dir, from: srv.base.slice(0, -1), ids: ['tok512'], force: true });
    assert.deepEqual(
      forced.map((r) => r.status),
      ['downloaded'],
    );
  } finally {
    await srv.close();
  }
});

test('a corrupted byte is rejected: error names the file, nothing is left behind, the others still arrive', { skip }, async () => {
  const srv = await serve(SHARED, {
    mutate: (p, b) => {
      if (p === '/stories260K/stories260K.bin') return Buffer.concat([b, Buffer.alloc(70_000)]);
      if (p !== '/ptb/ptb.test.txt') return b;
      const c = Buffer.from(b);
      c[1234] ^= 0x20;
      return c;
    },
  });
  try {
    const dir = freshDir();
    await assert.rejects(fetchData({ dataDir: dir, from: srv.base, ids: ['ptb-test', 'tok512', 'stories260K'] }), (e: unknown) => {
      assert.ok(e instanceof DataFetchError);
      assert.equal(e.failures.length, 2);
      const big = e.failures[0];
      assert.equal(big.id, 'stories260K');
      assert.equal(big.kind, 'checksum');
      assert.match(big.message, /more than the expected 1056540 bytes/);
      const f = e.failures[1];
      assert.equal(f.id, 'ptb-test');
      assert.equal(f.kind, 'checksum');
      assert.ok(e.message.includes('ptb/ptb.test.txt') && e.message.includes(knownFile('ptb-test').sha256), e.message);
      assert.deepEqual(
        e.results.map((r) => [r.id, r.status]),
        [['tok512', 'downloaded']],
      );
      return true;
    });
    assert.equal(srv.hits.get('/ptb/ptb.test.txt'), 1, 'a checksum mismatch is not retried');
    assert.deepEqual(readdirSync(path.join(dir, 'ptb')), [], 'no file and no temp file left');
    assert.deepEqual(readdirSync(path.join(dir, 'stories260K')), ['tok512.bin'], 'the oversized file was dropped');
  } finally {
    await srv.close();
  }
});

test('HTTP 404 is a clear, final error; 503 is retried; a stalled server times out', { skip }, async () => {
  let flaky = 0;
  const srv = await serve(SHARED, {
    override: (p, _req, res) => {
      if (p === '/stories260K/tok512.bin' && flaky++ === 0) {
        res.writeHead(503, 'Service Unavailable').end();
        return true;
      }
      if (p === '/c4/c4-train.00000-of-01024.first1000.jsonl') {
        res.writeHead(200, { 'content-length': 2358289 });
        res.write('{"text":'); // then nothing: the idle timeout must fire
        return true;
      }
      return false;
    },
  });
  try {
    const dir = freshDir();
    const events: FetchProgress[] = [];
    await assert.rejects(fetchData({ dataDir: dir, from: srv.base + 'missing/', ids: ['ptb-test'], retryDelayMs: 1 }), (e: unknown) => {
      assert.ok(e instanceof DataFetchError);
      assert.equal(e.failures[0].kind, 'http');
      assert.equal(e.failures[0].status, 404);
      assert.match(e.message, /HTTP 404 Not Found from http:\/\/127\.0\.0\.1:\d+\/missing\/ptb\/ptb\.test\.txt/);
      return true;
    });
    assert.equal(srv.hits.get('/missing/ptb/ptb.test.txt'), 1, '404 is not retried');
    const ok = await fetchData({ dataDir: dir, from: srv.base, ids: ['tok512'], retryDelayMs: 1, onProgress: (e) => events.push(e) });
    assert.deepEqual(
      ok.map((r) => r.status),
      ['downloaded'],
    );
    assert.equal(srv.hits.get('/stories260K/tok512.bin'), 2);
    assert.ok(events.some((e) => e.phase === 'retry' && /503/.test(e.message ?? '')));
    const t0 = Date.now();
    await assert.rejects(fetchData({ dataDir: dir, from: srv.base, ids: ['c4-train'], idleTimeoutMs: 150, retries: 1, retryDelayMs: 1 }), (e: unknown) => {
      assert.ok(e instanceof DataFetchError);
      assert.equal(e.failures[0].kind, 'timeout');
      return true;
    });
    assert.ok(Date.now() - t0 < 5000, 'no hang');
    assert.equal(srv.hits.get('/c4/c4-train.00000-of-01024.first1000.jsonl'), 2, 'one retry after a timeout');
    noTempLeft(path.join(dir, 'c4'));
    assert.equal(existsSync(path.join(dir, 'c4', 'c4-train.00000-of-01024.first1000.jsonl')), false);
  } finally {
    await srv.close();
  }
});

test('fetch from a local folder copies and verifies; a file absent from the folder is reported', { skip }, async () => {
  const dir = freshDir();
  const res = await fetchData({ dataDir: dir, from: SHARED, ids: ['wikitext2-test', 'stories260K'] });
  assert.deepEqual(
    res.map((r) => [r.id, r.status]),
    [
      ['stories260K', 'copied'],
      ['wikitext2-test', 'copied'],
    ],
  );
  assert.equal(await dataFile('wikitext2-test', { dataDir: dir }), res[1].path);
  const empty = freshDir();
  await assert.rejects(fetchData({ dataDir: freshDir(), from: empty, ids: ['tok512'] }), (e: unknown) => {
    assert.ok(e instanceof DataFetchError);
    assert.equal(e.failures[0].kind, 'source-missing');
    assert.ok(e.message.includes(path.join(empty, 'stories260K', 'tok512.bin')), e.message);
    return true;
  });
  // A data directory that already holds everything (read-only reference copy) needs no source at all.
  const present = await fetchData({ dataDir: SHARED });
  assert.ok(present.every((r) => r.status === 'present'));
  await assert.rejects(fetchData({ dataDir: dir, ids: ['nope'] }), UsageError);
});

/** A one-member zip archive (deflated), as the WikiText archive is. */
function zipOf(name: string, data: Buffer): Buffer {
  const nameBuf = Buffer.from(name);
  const comp = deflateRawSync(data);
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(comp.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(nameBuf.length, 26);
  const cen = Buffer.alloc(46);
  cen.writeUInt32LE(0x02014b50, 0);
  cen.writeUInt16LE(20, 4);
  cen.writeUInt16LE(20, 6);
  cen.writeUInt16LE(8, 10);
  cen.writeUInt32LE(crc, 16);
  cen.writeUInt32LE(comp.length, 20);
  cen.writeUInt32LE(data.length, 24);
  cen.writeUInt16LE(nameBuf.length, 28);
  cen.writeUInt32LE(0, 42);
  const cdOffset = local.length + nameBuf.length + comp.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(cen.length + nameBuf.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, nameBuf, comp, cen, nameBuf, eocd]);
}

test('canonical-source extraction: zip member, gunzip head lines, head bytes', { skip }, async () => {
  const wiki = readFileSync(path.join(SHARED, 'wikitext-2-raw', 'wiki.test.raw'));
  const c4 = readFileSync(path.join(SHARED, 'c4', 'c4-train.00000-of-01024.first1000.jsonl'));
  const ts = readFileSync(path.join(SHARED, 'tinystories', 'tinystories_train_head.txt'));
  const more = Buffer.from('{"text":"beyond the head","timestamp":"x","url":"y"}\n'.repeat(50));
  const ranges: string[] = [];
  const srv = await serve(SHARED, {
    override: (p, req, res) => {
      if (p !== '/ts-range.txt') return false;
      ranges.push(String(req.headers.range));
      const m = /^bytes=0-(\d+)$/.exec(String(req.headers.range));
      const body = Buffer.concat([ts, Buffer.from('tail '.repeat(1000))]);
      const part = m ? body.subarray(0, Number(m[1]) + 1) : body;
      res.writeHead(m ? 206 : 200, { 'content-length': part.length }).end(part);
      return true;
    },
    extra: {
      '/wikitext-2-raw-v1.zip': zipOf('wikitext-2-raw/wiki.test.raw', wiki),
      '/c4.json.gz': gzipSync(Buffer.concat([c4, more])),
      '/ts.txt': Buffer.concat([ts, Buffer.from('Once upon a time, more text that is not in the head.\n'.repeat(100))]),
    },
  });
  const withSource = (id: string, url: string, extract: KnownFile['source']['extract']): KnownFile => ({ ...knownFile(id), source: { url, extract } });
  const files = [
    withSource('wikitext2-test', srv.base + 'wikitext-2-raw-v1.zip', { kind: 'zipMember', member: 'wikitext-2-raw/wiki.test.raw' }),
    withSource('c4-train', srv.base + 'c4.json.gz', { kind: 'gunzipHeadLines', lines: 1000 }),
    withSource('tinystories-train', srv.base + 'ts.txt', { kind: 'headBytes', bytes: ts.length }),
  ];
  const ranged = [withSource('tinystories-train', srv.base + 'ts-range.txt', { kind: 'headBytes', bytes: ts.length })];
  try {
    const dir = freshDir();
    const res = await fetchData({ dataDir: dir, files });
    assert.deepEqual(
      res.map((r) => r.status),
      ['downloaded', 'downloaded', 'downloaded'],
    );
    for (const r of res) {
      const sha = createHash('sha256').update(readFileSync(r.path)).digest('hex');
      assert.equal(sha, knownFile(r.id).sha256, r.id);
    }
    // A server that honours Range answers 206 with just the head.
    const viaRange = await fetchData({ dataDir: freshDir(), files: ranged });
    assert.deepEqual(
      viaRange.map((r) => r.status),
      ['downloaded'],
    );
    assert.deepEqual(ranges, [`bytes=0-${ts.length - 1}`]);
    // A zip without the member is a format error naming it.
    const bad = [withSource('wikitext2-test', srv.base + 'wikitext-2-raw-v1.zip', { kind: 'zipMember', member: 'wikitext-2-raw/wiki.valid.raw' })];
    await assert.rejects(fetchData({ dataDir: freshDir(), files: bad }), (e: unknown) => {
      assert.ok(e instanceof DataFetchError);
      assert.equal(e.failures[0].kind, 'format');
      assert.match(e.message, /no member wikitext-2-raw\/wiki\.valid\.raw/);
      return true;
    });
  } finally {
    await srv.close();
  }
});

// The page's static server: what it serves, and that nothing outside its files comes out (path traversal
// in every encoding, bad requests, huge headers, foreign Host headers), over raw sockets so that no client
// normalises the request first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'net';
import * as fs from 'fs';
import * as path from 'path';
import { startWebServer, WebServer, checkRequestPath, validationSlice, CONTENT_SECURITY_POLICY } from '../../src/web/server';
import { stories260K } from '../helpers';
import { corpusText } from '../../src/data/corpora';

let web: WebServer;
before(async () => {
  web = await startWebServer({ port: 0, minify: false });
});
after(async () => {
  await web?.close();
});

interface RawResponse {
  status: number;
  headers: string;
  body: Buffer;
}

/** Send raw bytes; parse status line, headers and body of the (single, closed) response. */
function raw(request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(web.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? finish() : reject(e)));
    sock.on('end', finish);
    let done = false;
    function finish() {
      if (done) return;
      done = true;
      const all = Buffer.concat(chunks);
      const sep = all.indexOf('\r\n\r\n');
      const head = all.subarray(0, sep < 0 ? all.length : sep).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      resolve({ status: m ? Number(m[1]) : 0, headers: head, body: sep < 0 ? Buffer.alloc(0) : all.subarray(sep + 4) });
    }
    sock.write(request);
  });
}

const get = (target: string, extra = '') => raw(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${web.port}\r\nConnection: close\r\n${extra}\r\n`);

// Texts that only files outside the served set contain.
const REPO = path.join(__dirname, '..', '..');
const SECRETS = [
  fs.readFileSync(path.join(REPO, 'package.json'), 'utf8').slice(0, 60),
  fs.readFileSync(path.join(REPO, 'src', 'web', 'server.ts'), 'utf8').slice(0, 60),
  'root:x:0:0',
];

test('serves the page, its bundle, plotly, the wasm files and the data slices', async () => {
  const index = await get('/');
  assert.equal(index.status, 200);
  assert.match(index.body.toString(), /<title>StructPrune live/);
  assert.ok(index.headers.toLowerCase().includes(`content-security-policy: ${CONTENT_SECURITY_POLICY.toLowerCase()}`));
  for (const [p, type] of [
    ['/app.js', 'text/javascript'],
    ['/style.css', 'text/css'],
    ['/vendor/plotly.min.js', 'text/javascript'],
    ['/wasm/tfjs-backend-wasm-simd.wasm', 'application/wasm'],
    ['/wasm/tfjs-backend-wasm.wasm', 'application/wasm'],
    ['/data/stories260K.bin', 'application/octet-stream'],
    ['/data/tok512.bin', 'application/octet-stream'],
    ['/data/calibration.txt', 'text/plain'],
    ['/data/validation.txt', 'text/plain'],
    ['/data/manifest.json', 'application/json'],
  ] as const) {
    const r = await get(p);
    assert.equal(r.status, 200, p);
    assert.match(r.headers.toLowerCase(), new RegExp(`content-type: ${type}`), p);
    assert.ok(r.body.length > 0, p);
  }
  const model = await get('/data/stories260K.bin');
  assert.equal(model.body.length, 1056540);
  const manifest = JSON.parse((await get('/data/manifest.json')).body.toString());
  assert.equal(manifest.model.name, 'stories260K');
  const head = await raw(`HEAD /app.js HTTP/1.1\r\nHost: 127.0.0.1:${web.port}\r\nConnection: close\r\n\r\n`);
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
});

test('path traversal in every encoding is refused with 4xx and never returns a file outside the served set', async () => {
  const targets = [
    '/../package.json',
    '/../../package.json',
    '/static/../../server.ts',
    '/data/../../../package.json',
    '/%2e%2e/package.json',
    '/%2E%2E/%2E%2E/package.json',
    '/..%2fpackage.json',
    '/%2e%2e%2fpackage.json',
    '/.%2e/package.json',
    '/%252e%252e/package.json',
    '/%252e%252e%252fpackage.json',
    '/%25252e%25252e/package.json',
    '/..%5cpackage.json',
    '/..\\package.json',
    '/%c0%ae%c0%ae/package.json',
    '/%e0%80%ae%e0%80%ae/package.json',
    '/%00',
    '/index.html%00.png',
    '//etc/passwd',
    '/./index.html',
    '/etc/passwd',
    '/server.ts',
    '/build.ts',
    '/static',
    '/static/',
    '/data/',
    '/wasm/',
    '/vendor/',
    '/node_modules/plotly.js-dist-min/package.json',
    '/%',
    '/%zz',
    'http://127.0.0.1/../package.json',
    '*',
  ];
  for (const t of targets) {
    const r = await get(t);
    assert.ok(r.status >= 400 && r.status < 500, `${t} → ${r.status}`);
    const body = r.body.toString('latin1');
    for (const s of SECRETS) assert.ok(!body.includes(s), `${t} leaked a file`);
  }
});

test('bad requests get 4xx: huge headers, foreign Host, other methods, garbage', async () => {
  const huge = await get('/', `X-Big: ${'a'.repeat(64 * 1024)}\r\n`);
  assert.equal(huge.status, 431);
  const many = await get('/', Array.from({ length: 2000 }, (_, i) => `X-H${i}: ${'b'.repeat(20)}\r\n`).join(''));
  assert.ok(many.status === 431 || many.status === 400, `many headers → ${many.status}`);
  const foreign = await raw(`GET / HTTP/1.1\r\nHost: attacker.example:${web.port}\r\nConnection: close\r\n\r\n`);
  assert.equal(foreign.status, 400);
  const post = await raw(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${web.port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  assert.equal(post.status, 405);
  const garbage = await raw('\x16\x03\x01 not http at all\r\n\r\n');
  assert.equal(garbage.status, 400);
  const long = await get('/' + 'a'.repeat(5000));
  assert.ok(long.status === 414 || long.status === 431, `long target → ${long.status}`);
  const missing = await get('/nope.html');
  assert.equal(missing.status, 404);
});

test('checkRequestPath decodes once and refuses dot segments, backslashes, NUL and a second encoding level', () => {
  assert.deepEqual(checkRequestPath('/data/manifest.json?x=1'), { path: '/data/manifest.json' });
  assert.deepEqual(checkRequestPath('/a%20b.txt'), { path: '/a b.txt' });
  for (const bad of ['/../x', '/%2e%2e/x', '/%252e%252e/x', '/a/./b', '/a\\b', '/a%5cb', '/a%00', '/%e0%80%ae', 'x', '//x']) {
    const r = checkRequestPath(bad);
    assert.ok('status' in r && r.status === 400, bad);
  }
});

test('the validation slice tokenizes like the full file over the windows the page evaluates', async () => {
  const { codec } = await stories260K();
  const full = await corpusText('tinystories-val');
  const slice = validationSlice(Buffer.from(full, 'utf8'), 65536).toString('utf8');
  assert.ok(slice.length < full.length && slice.endsWith('\n'));
  const a = codec.encode(slice, { bos: true });
  const b = codec.encode(full, { bos: true });
  const W = 16 * 512; // the page offers at most 16 windows of 512 tokens
  assert.ok(a.length > W, `slice has ${a.length} tokens`);
  assert.deepEqual(a.slice(0, W), b.slice(0, W));
});

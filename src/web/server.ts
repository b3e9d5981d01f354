// The teaching page's static server (node:http only). It serves a fixed set of files and nothing else:
//   /, /index.html, /style.css          src/web/static/ (resolved, then checked to stay inside that folder)
//   /app.js                             the page bundle (src/web/build.ts), built once at start, in memory
//   /vendor/plotly.min.js               plotly.js-dist-min
//   /wasm/tfjs-backend-wasm[-simd].wasm tfjs's wasm binaries
//   /data/stories260K.bin, /data/tok512.bin   the model and tokenizer (data directory, sha256-verified)
//   /data/calibration.txt               the TinyStories train head (the CLI's calibration text for stories260K)
//   /data/validation.txt                the first `validationBytes` of the TinyStories validation head, cut
//                                       after a newline (the page evaluates its first windows)
//   /data/manifest.json                 names, sha256 and sizes of the above
// Requests: GET/HEAD only (405); the path is percent-decoded once and refused with 400 when it holds
// "..", ".", a backslash, NUL or "%" after decoding (so double encoding is refused too), or when it is
// not valid UTF-8; no directory listing (404); request headers above `maxHeaderSize` get 431; a Host header
// that names another host gets 400 while bound to a loopback address (DNS rebinding). Responses carry a
// Content-Security-Policy that allows only this origin (no CDN, no third-party requests).
import * as http from 'http';
import * as fs from 'fs';
import * as path from 'path';
import { AddressInfo } from 'net';
import { dataFile, DataDirOptions } from '../data/datadir';
import { knownFile } from '../data/registry';
import { buildBrowserBundle } from './build';

export interface WebServerOptions extends DataDirOptions {
  /** TCP port (default 8080; 0 = any free port). */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Bytes of the validation text served (default 65536; cut after the last newline before it). */
  validationBytes?: number;
  /** Largest accepted request header block in bytes (default 16384). */
  maxHeaderSize?: number;
  /** Minify the bundle (default true). */
  minify?: boolean;
}

export interface WebServer {
  /** http://host:port/ */
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

const STATIC_DIR = path.join(__dirname, 'static');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream',
};

/** Only this origin; wasm compilation allowed; plotly needs inline styles and data: images. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "connect-src 'self'; worker-src 'self' blob:; font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

type Source = { file: string } | { bytes: Buffer };

/** Reasons a request path is refused (null: acceptable), after one percent-decoding. */
export function checkRequestPath(rawUrl: string): { path: string } | { status: number; why: string } {
  if (!rawUrl.startsWith('/')) return { status: 400, why: 'the request target must be an absolute path' };
  if (rawUrl.length > 2048) return { status: 414, why: 'request target too long' };
  const q = rawUrl.search(/[?#]/);
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { status: 400, why: 'malformed percent-encoding' };
  }
  if (/[\0\\%]/.test(decoded)) return { status: 400, why: 'NUL, backslash or a second level of percent-encoding in the path' };
  if (decoded.split('/').some((seg) => seg === '..' || seg === '.')) return { status: 400, why: 'dot segments in the path' };
  if (decoded.includes('//')) return { status: 400, why: 'empty path segment' };
  return { path: decoded };
}

/** The validation slice: the first `limit` bytes of the text, cut after the last newline inside them. */
export function validationSlice(text: Buffer, limit: number): Buffer {
  if (text.length <= limit) return text;
  const cut = text.lastIndexOf(0x0a, limit - 1);
  return text.subarray(0, cut > 0 ? cut + 1 : limit);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Start the page's server; resolves once it listens. */
export async function startWebServer(opts: WebServerOptions = {}): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1';
  const dd: DataDirOptions = { dataDir: opts.dataDir };
  const modelFile = await dataFile('stories260K', dd);
  const tokFile = await dataFile('tok512', dd);
  const calibFile = await dataFile('tinystories-train', dd);
  const valFile = await dataFile('tinystories-val', dd);
  const validation = validationSlice(fs.readFileSync(valFile), opts.validationBytes ?? 65536);
  const bundle = Buffer.from(await buildBrowserBundle({ minify: opts.minify }), 'utf8');
  const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  const manifest = {
    model: { name: 'stories260K', file: '/data/stories260K.bin', sha256: knownFile('stories260K').sha256, bytes: fs.statSync(modelFile).size },
    tokenizer: { file: '/data/tok512.bin', bytes: fs.statSync(tokFile).size },
    calibration: { corpus: 'tinystories-train', file: '/data/calibration.txt', bytes: fs.statSync(calibFile).size },
    validation: { corpus: 'tinystories-val', file: '/data/validation.txt', bytes: validation.length, of: fs.statSync(valFile).size },
  };
  const routes = new Map<string, Source>([
    ['/app.js', { bytes: bundle }],
    ['/vendor/plotly.min.js', { file: require.resolve('plotly.js-dist-min/plotly.min.js') }],
    ['/wasm/tfjs-backend-wasm.wasm', { file: path.join(wasmDir, 'tfjs-backend-wasm.wasm') }],
    ['/wasm/tfjs-backend-wasm-simd.wasm', { file: path.join(wasmDir, 'tfjs-backend-wasm-simd.wasm') }],
    ['/data/stories260K.bin', { file: modelFile }],
    ['/data/tok512.bin', { file: tokFile }],
    ['/data/calibration.txt', { file: calibFile }],
    ['/data/validation.txt', { bytes: validation }],
    ['/data/manifest.json', { bytes: Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8') }],
  ]);
  const realStatic = fs.realpathSync(STATIC_DIR);

  const server = http.createServer({ maxHeaderSize: opts.maxHeaderSize ?? 16384 }, (req, res) => {
    const fail = (status: number, why: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : `${status} ${http.STATUS_CODES[status] ?? ''}: ${why}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return fail(405, 'only GET and HEAD');
    }
    if (isLoopback(host)) {
      const h = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
      if (!isLoopback(h)) return fail(400, 'Host header must name this loopback server');
    }
    const checked = checkRequestPath(req.url ?? '');
    if ('status' in checked) return fail(checked.status, checked.why);
    const p = checked.path === '/' ? '/index.html' : checked.path;
    let source = routes.get(p);
    if (!source) {
      // Files of src/web/static: resolve, then require the result (and its real path) inside the folder.
      const file = path.resolve(STATIC_DIR, '.' + p);
      if (!file.startsWith(STATIC_DIR + path.sep)) return fail(400, 'outside the served folder');
      let real: string;
      try {
        real = fs.realpathSync(file);
      } catch {
        return fail(404, 'no such file');
      }
      if (!real.startsWith(realStatic + path.sep) || !fs.statSync(real).isFile()) return fail(404, 'no such file');
      source = { file: real };
    }
    let body: Buffer;
    try {
      body = 'bytes' in source ? source.bytes : fs.readFileSync(source.file);
    } catch {
      return fail(500, 'cannot read the file');
    }
    const headers: Record<string, string | number> = {
      'content-type': TYPES[path.extname(p)] ?? 'application/octet-stream',
      'content-length': body.length,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
      'cross-origin-resource-policy': 'same-origin',
      'referrer-policy': 'no-referrer',
    };
    if (p.endsWith('.html')) headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

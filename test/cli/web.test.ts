// `structprune web`: prints its URL (--json), serves the page, stops cleanly on SIGTERM; bad options exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import * as path from 'path';
import * as http from 'http';

const BIN = path.join(__dirname, '..', '..', 'bin', 'structprune.js');

test('web --port 0 --json prints {url, port}, serves the page and exits 0 on SIGTERM', async () => {
  const child = spawn(process.execPath, [BIN, 'web', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before printing`)));
  });
  const j = JSON.parse(line);
  assert.match(j.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(j.url, `http://127.0.0.1:${j.port}/`);
  const status = await new Promise<number>((resolve, reject) =>
    http
      .get(j.url, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject),
  );
  assert.equal(status, 200);
  const code = await new Promise<number | null>((resolve) => {
    child.on('exit', (c) => resolve(c));
    child.kill('SIGTERM');
  });
  assert.equal(code, 0);
});

test('web: bad options exit 2 with the usage', () => {
  for (const args of [['--port', 'x'], ['--port', '70000'], ['--bogus']]) {
    const r = spawnSync(process.execPath, [BIN, 'web', ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /structprune web \[--port 8080\]/);
  }
});

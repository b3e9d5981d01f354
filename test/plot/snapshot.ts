// Plot-spec snapshots (STYLE.md: "plot specs as snapshots rounded to 3 decimals"): every number is rounded to
// 3 decimals of its mantissa (Number(x.toExponential(3)), i.e. 4 significant digits, so residuals of 1e-7 and
// perplexities of 14.5 keep the same relative precision), then compared with test/plot/snapshots/<name>.json.
// A missing snapshot FAILS unless UPDATE_SNAPSHOTS=1 is set, which (re)writes it: review the diff before
// committing one.
import * as fs from 'fs';
import * as path from 'path';
import assert from 'node:assert/strict';

const DIR = path.join(__dirname, 'snapshots');

/** Deep copy with every finite number rounded to 3 mantissa decimals; typed arrays become plain arrays. */
export function round3(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? Number(v.toExponential(3)) : v;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, (x) => round3(x));
  if (Array.isArray(v)) return v.map(round3);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, round3(x)]));
  return v;
}

/** Assert `value` (rounded) equals the stored snapshot `name`. */
export function matchSnapshot(name: string, value: unknown): void {
  const file = path.join(DIR, `${name}.json`);
  const actual = JSON.parse(JSON.stringify(round3(value)));
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    fs.mkdirSync(DIR, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(actual, null, 1) + '\n');
    return;
  }
  if (!fs.existsSync(file)) assert.fail(`no snapshot ${file}: run with UPDATE_SNAPSHOTS=1 to write it, then review it`);
  assert.deepEqual(actual, JSON.parse(fs.readFileSync(file, 'utf8')), `plot spec differs from snapshot ${name}.json (UPDATE_SNAPSHOTS=1 rewrites it)`);
}

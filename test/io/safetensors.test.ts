import { test, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs = require('node:fs'); // the module object itself, so mock.method can spy on readSync
import * as os from 'node:os';
import * as path from 'node:path';
import { SAFETENSORS_DTYPE_BYTES, SafetensorsError, type SafetensorsDtype, type SafetensorsHandle } from '../../src/io/safetensorsHeader';
import { bf16BitsToF32, f16BitsToF32, f32BitsToBf16Bits, f32BitsToF16Bits } from '../../src/io/safetensorsDtype';
import { openSafetensors, openSafetensorsBytes, readSafetensors } from '../../src/io/safetensorsReader';
import { writeSafetensors } from '../../src/io/safetensorsWriter';
import type { HostTensor } from '../../src/model/hostTensor';
import { createRng } from '../../src/util/rng';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'structprune-st-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let fileCount = 0;
const tmpFile = (name = 'f.safetensors'): string => {
  const d = path.join(root, `d${fileCount++}`);
  fs.mkdirSync(d);
  return path.join(d, name);
};

/** Seeded uniform [0, 1) from the project's RNG. */
function rng(seed: number): () => number {
  const r = createRng(seed);
  return () => r.float();
}

/** An 8-byte little-endian length prefix, the header bytes and the buffer, concatenated. */
function assemble(header: string | Uint8Array, buffer: Uint8Array, length?: bigint): Uint8Array {
  const h = typeof header === 'string' ? Buffer.from(header, 'utf8') : Buffer.from(header);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(length ?? BigInt(h.length));
  return new Uint8Array(Buffer.concat([prefix, h, Buffer.from(buffer)]));
}

const f32Bits = (v: number): number => new Uint32Array(new Float32Array([v]).buffer)[0];
const f32ToF16Bits = (v: number) => f32BitsToF16Bits(f32Bits(v));
const f32ToBf16Bits = (v: number) => f32BitsToBf16Bits(f32Bits(v));
const numel = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1);

// ------------------------------------------------------------------------------------------------------
// Known-good byte layouts, written out by hand from the spec
// ------------------------------------------------------------------------------------------------------

test('compat: a hand-built F32 file with metadata decodes, and the writer reproduces it byte for byte', () => {
  const header =
    '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
    '"b.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[8,16]}}' +
    '    '; // 148 JSON bytes + 4 spaces = 152 = 19 × 8
  const bytes = new Uint8Array([
    0x98,
    0,
    0,
    0,
    0,
    0,
    0,
    0, // N = 152, u64 little-endian
    ...Buffer.from(header, 'latin1'),
    0x00,
    0x00,
    0x80,
    0x3f,
    /* 1.0 */ 0x00,
    0x00,
    0x00,
    0xc0 /* -2.0 */,
    0x00,
    0x00,
    0x00,
    0x3f,
    /* 0.5 */ 0x00,
    0x00,
    0x00,
    0x80 /* -0.0 */,
  ]);
  assert.equal(bytes.length, 8 + 152 + 16);

  const h = openSafetensorsBytes(bytes, 'hand.safetensors');
  assert.deepEqual(h.metadata, { format: 'pt' });
  assert.equal(h.headerBytes, 152);
  assert.deepEqual(
    h.entries.map((e) => [e.name, e.dtype, e.shape, e.dataOffsets]),
    [
      ['a', 'F32', [2], [0, 8]],
      ['b.weight', 'F32', [1, 2], [8, 16]],
    ],
  );
  assert.deepEqual(h.read('a'), { shape: [2], data: new Float32Array([1, -2]) });
  const b = h.read('b.weight');
  assert.deepEqual(b.shape, [1, 2]);
  assert.equal(b.data[0], 0.5);
  assert.ok(Object.is(b.data[1], -0));
  assert.deepEqual(h.warnings, []);

  const file = tmpFile();
  // insertion order differs from file order on purpose: the writer sorts names
  const res = writeSafetensors(
    file,
    {
      'b.weight': { shape: [1, 2], data: new Float32Array([0.5, -0]) },
      a: { shape: [2], data: new Float32Array([1, -2]) },
    },
    { metadata: { format: 'pt' } },
  );
  assert.deepEqual(new Uint8Array(fs.readFileSync(file)), bytes);
  assert.equal(res.fileBytes, bytes.length);
  assert.equal(res.headerBytes, 152);
});

test('compat: hand-built F16 and BF16 files decode and are reproduced exactly', () => {
  const f16 = new Uint8Array([
    0x38,
    0,
    0,
    0,
    0,
    0,
    0,
    0, // N = 56
    ...Buffer.from('{"a":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}  ', 'latin1'), // 54 + 2 spaces
    0x00,
    0x3c,
    /* 1 */ 0x00,
    0xc0,
    /* -2 */ 0x00,
    0x38,
    /* 0.5 */ 0xff,
    0x7b /* 65504 */,
  ]);
  const bf16 = new Uint8Array([
    0x40,
    0,
    0,
    0,
    0,
    0,
    0,
    0, // N = 64
    ...Buffer.from('{"a":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,8]}}       ', 'latin1'), // 57 + 7
    0x80,
    0x3f,
    /* 1 */ 0x00,
    0xc0,
    /* -2 */ 0x00,
    0x3f,
    /* 0.5 */ 0x49,
    0x40 /* 3.140625 */,
  ]);
  const cases: Array<[Uint8Array, 'F16' | 'BF16', number[], number[]]> = [
    [f16, 'F16', [4], [1, -2, 0.5, 65504]],
    [bf16, 'BF16', [2, 2], [1, -2, 0.5, 3.140625]],
  ];
  for (const [bytes, dtype, shape, values] of cases) {
    assert.deepEqual(openSafetensorsBytes(bytes).read('a'), { shape, data: new Float32Array(values) }, dtype);
    const file = tmpFile();
    writeSafetensors(file, { a: { shape, data: new Float32Array(values) } }, { dtype });
    assert.deepEqual(new Uint8Array(fs.readFileSync(file)), bytes, dtype);
  }
});

test("compat: the reference implementation's own test bytes (I32, unpadded header) decode", () => {
  // huggingface/safetensors bindings/python/tests/test_simple.py, test_serialization (data[1,1] = 1)
  const header = '{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}';
  const bytes = assemble(header, new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]));
  assert.equal(bytes[0], 0x3c); // '<' = 60, as in the reference test
  const h = openSafetensorsBytes(bytes);
  assert.deepEqual(h.read('test'), { shape: [2, 2], data: new Float32Array([0, 0, 0, 1]) });
  assert.deepEqual(h.metadata, {});
});

// ------------------------------------------------------------------------------------------------------
// 16-bit conversions
// ------------------------------------------------------------------------------------------------------

test('f16/bf16 decoders: anchor values', () => {
  const f16: Array<[number, number]> = [
    [0x0000, 0],
    [0x3c00, 1],
    [0xc000, -2],
    [0x7bff, 65504],
    [0x0001, 2 ** -24],
    [0x03ff, 1023 * 2 ** -24],
    [0x0400, 2 ** -14],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
    [0x3555, 0.333251953125],
  ];
  for (const [h, v] of f16) assert.equal(f16BitsToF32(h), v, `0x${h.toString(16)}`);
  assert.ok(Object.is(f16BitsToF32(0x8000), -0));
  assert.ok(Number.isNaN(f16BitsToF32(0x7e00)));
  const bf: Array<[number, number]> = [
    [0x3f80, 1],
    [0xc000, -2],
    [0x4049, 3.140625],
    [0x0001, 2 ** -133],
    [0x7f80, Infinity],
  ];
  for (const [h, v] of bf) assert.equal(bf16BitsToF32(h), v, `0x${h.toString(16)}`);
});

test('f16/bf16 encoders are exact on every representable value (all 2^16 patterns)', () => {
  for (let h = 0; h < 0x10000; h++) {
    const v16 = f16BitsToF32(h);
    if (Number.isNaN(v16)) assert.ok(Number.isNaN(f16BitsToF32(f32ToF16Bits(v16))));
    else assert.equal(f32ToF16Bits(v16), h, `f16 0x${h.toString(16)}`);
    const vb = bf16BitsToF32(h);
    if (Number.isNaN(vb)) assert.ok(Number.isNaN(bf16BitsToF32(f32ToBf16Bits(vb))));
    else assert.equal(f32ToBf16Bits(vb), h, `bf16 0x${h.toString(16)}`);
  }
});

/** Assert `h` is the round-to-nearest-even encoding of x among its neighbours in a 16-bit format. */
function assertNearestEven(x: number, h: number, decode: (h: number) => number, maxFinite: number, label: string): void {
  const r = decode(h);
  assert.equal(Math.sign(r) || (Object.is(r, -0) ? -1 : 1), Math.sign(x) || (Object.is(x, -0) ? -1 : 1), `${label}: sign`);
  const mag = h & 0x7fff;
  const ax = Math.abs(x);
  const d = Math.abs(ax - Math.abs(r));
  for (const n of [mag - 1, mag + 1]) {
    if (n < 0 || n > maxFinite) continue;
    const dn = Math.abs(ax - decode(n));
    assert.ok(d <= dn, `${label}: x=${x} encoded as ${r}, but neighbour ${decode(n)} is nearer`);
    if (d === dn) assert.equal(mag & 1, 0, `${label}: tie at x=${x} must round to the even pattern`);
  }
}

test('f16/bf16 encoders round to nearest, ties to even (seeded randoms, exact ties, overflow, subnormals)', () => {
  const rand = rng(1234);
  const xs: number[] = [];
  for (let i = 0; i < 4000; i++) {
    const e = Math.floor(rand() * 48) - 30; // 2^-30 … 2^17: f16 subnormals through overflow
    xs.push(Math.fround((rand() < 0.5 ? -1 : 1) * 2 ** e * (1 + rand())));
  }
  for (let i = 0; i < 500; i++) {
    const m = Math.floor(rand() * 0x7bff); // midpoints between f16 neighbours m, m+1 (fit in float32)
    xs.push((f16BitsToF32(m) + f16BitsToF32(m + 1)) / 2);
    const b = Math.floor(rand() * 0x7f7f);
    xs.push((bf16BitsToF32(b) + bf16BitsToF32(b + 1)) / 2);
  }
  for (const x of xs) {
    assert.equal(x, Math.fround(x));
    if (Math.abs(x) >= 65520) assert.equal(f16BitsToF32(f32ToF16Bits(x)), Math.sign(x) * Infinity, `f16 overflow ${x}`);
    else assertNearestEven(x, f32ToF16Bits(x), f16BitsToF32, 0x7bff, 'f16');
    assertNearestEven(x, f32ToBf16Bits(x), bf16BitsToF32, 0x7f7f, 'bf16');
  }
  // hand-checked edge cases
  assert.equal(f32ToF16Bits(65519.99), 0x7bff);
  assert.equal(f32ToF16Bits(65520), 0x7c00);
  assert.equal(f32ToF16Bits(2 ** -25), 0x0000); // tie between 0 and 2^-24 → even (0)
  assert.equal(f32ToF16Bits(1.5 * 2 ** -25), 0x0001);
  assert.equal(f32ToF16Bits(1.5 * 2 ** -24), 0x0002); // tie between 1 and 2 → 2
  assert.equal(f32ToF16Bits(2 ** -14 - 2 ** -26), 0x0400); // rounds up into the smallest normal
  assert.equal(f32ToF16Bits(-0), 0x8000);
  assert.equal(f32ToBf16Bits(1 + 2 ** -8), 0x3f80); // tie → even
  assert.equal(f32ToBf16Bits(1 + 3 * 2 ** -8), 0x3f82); // tie → even (up)
  assert.equal(f32ToBf16Bits(3.4028234663852886e38), 0x7f80); // max float32 rounds to inf in bf16
  assert.equal(f32ToF16Bits(NaN) & 0x7e00, 0x7e00);
  assert.equal(f32ToBf16Bits(NaN) & 0x7fc0, 0x7fc0);
});

// ------------------------------------------------------------------------------------------------------
// Round trips through files
// ------------------------------------------------------------------------------------------------------

function specialValues(): number[] {
  return [0, -0, 1, -1, 2 ** -149, -(2 ** -149), 2 ** -126 - 2 ** -149, 2 ** -126, 2 ** -24, 2 ** -14, 65504, 3.4028234663852886e38, Infinity, -Infinity];
}

function seededValues(seed: number, n: number, minExp: number, maxExp: number): Float32Array {
  const rand = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rand() < 0.5 ? -1 : 1) * 2 ** (minExp + rand() * (maxExp - minExp));
  return out;
}

test('round trip F32 is bit-exact (±0, subnormals, ±inf, seeded randoms), any shape incl. scalar and empty', () => {
  const special = new Float32Array(specialValues());
  const randoms = seededValues(7, 3 * 5 * 7, -140, 120);
  const tensors: Record<string, HostTensor> = {
    special: { shape: [special.length], data: special },
    'layers.0.attn.q': { shape: [3, 5, 7], data: randoms },
    scalar: { shape: [], data: new Float32Array([Math.PI]) },
    empty: { shape: [0, 4], data: new Float32Array(0) },
  };
  const file = tmpFile();
  writeSafetensors(file, tensors, { metadata: { format: 'pt', note: 'ünïcode ✓' } });
  const back = readSafetensors(file);
  assert.deepEqual(Object.keys(back.tensors), ['empty', 'layers.0.attn.q', 'scalar', 'special']);
  assert.deepEqual(back.metadata, { format: 'pt', note: 'ünïcode ✓' });
  assert.deepEqual(back.warnings, []);
  for (const [name, t] of Object.entries(tensors)) {
    assert.deepEqual(back.tensors[name].shape, t.shape, name);
    assert.deepEqual(new Uint32Array(back.tensors[name].data.buffer, back.tensors[name].data.byteOffset, t.data.length), new Uint32Array(t.data.buffer), name);
  }
  // the layout the writer promises: header a multiple of 8, data 8-aligned, contiguous, nothing after
  const h = openSafetensors(file);
  assert.equal(h.headerBytes % 8, 0);
  assert.equal(h.fileBytes, 8 + h.headerBytes + (special.length + randoms.length + 1) * 4);
  h.close();
});

test('round trip F16/BF16: exact for representable values, nearest-even within half an ulp otherwise', () => {
  for (const dtype of ['F16', 'BF16'] as const) {
    const enc = dtype === 'F16' ? f32ToF16Bits : f32ToBf16Bits;
    const dec = dtype === 'F16' ? f16BitsToF32 : bf16BitsToF32;
    // every non-NaN 16-bit pattern, decoded: must come back exactly (incl. -0, subnormals, ±inf)
    const exact: number[] = [];
    for (let b = 0; b < 0x10000; b++) if (!Number.isNaN(dec(b))) exact.push(dec(b));
    const [lo, hi] = dtype === 'F16' ? [-13, 15] : [-120, 120]; // normal ranges
    const rough = seededValues(dtype === 'F16' ? 11 : 12, 5000, lo, hi);
    const special = new Float32Array(specialValues());
    const file = tmpFile();
    writeSafetensors(
      file,
      {
        exact: { shape: [exact.length], data: new Float32Array(exact) },
        rough: { shape: [50, 100], data: rough },
        special: { shape: [special.length], data: special },
      },
      { dtype },
    );
    const h = openSafetensors(file);
    assert.equal(h.entry('rough').dtype, dtype);
    const e = h.read('exact').data;
    for (let i = 0; i < exact.length; i++) assert.ok(Object.is(e[i], exact[i]), `${dtype} exact[${i}] = ${exact[i]} read as ${e[i]}`);
    const r = h.read('rough');
    assert.deepEqual(r.shape, [50, 100]);
    const halfUlp = dtype === 'F16' ? 2 ** -11 : 2 ** -8;
    for (let i = 0; i < rough.length; i++) {
      assert.ok(Math.abs(r.data[i] - rough[i]) <= halfUlp * Math.abs(rough[i]), `${dtype} rough[${i}]: ${rough[i]} → ${r.data[i]}`);
      assert.equal(r.data[i], dec(enc(rough[i])));
    }
    const s = h.read('special').data;
    for (let i = 0; i < special.length; i++) assert.ok(Object.is(s[i], dec(enc(special[i]))), `${dtype} special ${special[i]}`);
    assert.ok(Object.is(s[1], -0));
    h.close();
  }
});

test('reader decodes F64, integer and BOOL dtypes; F8 is rejected with a clear error', () => {
  const parts: Array<[string, SafetensorsDtype, number[], (dv: DataView, o: number, v: number) => void, number[]]> = [
    ['f64', 'F64', [2], (dv, o, v) => dv.setFloat64(o, v, true), [0.1, -1e300]],
    ['i8', 'I8', [3], (dv, o, v) => dv.setInt8(o, v), [-128, 0, 127]],
    ['u8', 'U8', [2], (dv, o, v) => dv.setUint8(o, v), [0, 255]],
    ['i16', 'I16', [2], (dv, o, v) => dv.setInt16(o, v, true), [-32768, 1234]],
    ['u16', 'U16', [1], (dv, o, v) => dv.setUint16(o, v, true), [65535]],
    ['i32', 'I32', [2], (dv, o, v) => dv.setInt32(o, v, true), [-2147483648, 7]],
    ['u32', 'U32', [1], (dv, o, v) => dv.setUint32(o, v, true), [4294967295]],
    ['i64', 'I64', [3], (dv, o, v) => dv.setBigInt64(o, BigInt(v), true), [-1, 2 ** 40 + 3, -(2 ** 50)]],
    ['u64', 'U64', [1], (dv, o, v) => dv.setBigUint64(o, BigInt(v), true), [2 ** 52]],
    ['bool', 'BOOL', [3], (dv, o, v) => dv.setUint8(o, v), [0, 1, 2]],
    ['f8', 'F8_E4M3', [2], (dv, o, v) => dv.setUint8(o, v), [0x38, 0x40]],
  ];
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, dtype, shape] of parts) {
    const n = numel(shape) * SAFETENSORS_DTYPE_BYTES[dtype];
    header[name] = { dtype, shape, data_offsets: [offset, offset + n] };
    offset += n;
  }
  const buffer = new Uint8Array(offset);
  const dv = new DataView(buffer.buffer);
  offset = 0;
  for (const [, dtype, , set, values] of parts) {
    for (const v of values) {
      set(dv, offset, v);
      offset += SAFETENSORS_DTYPE_BYTES[dtype];
    }
  }
  const h = openSafetensorsBytes(assemble(JSON.stringify(header), buffer), 'mixed');
  for (const [name, dtype, shape, , values] of parts) {
    if (dtype === 'F8_E4M3') continue;
    const expected = dtype === 'BOOL' ? values.map((v) => (v !== 0 ? 1 : 0)) : values;
    assert.deepEqual(h.read(name), { shape, data: new Float32Array(expected) }, name);
  }
  assert.throws(
    () => h.read('f8'),
    (err: unknown) => err instanceof SafetensorsError && /mixed.*"f8".*F8_E4M3 cannot be decoded.*readRaw/.test(err.message),
  );
  assert.deepEqual([...h.readRaw('f8')], [0x38, 0x40]);
  assert.throws(
    () => h.read('nope'),
    (err: unknown) => err instanceof SafetensorsError && err.tensor === 'nope' && /no such tensor/.test(err.message),
  );
});

// ------------------------------------------------------------------------------------------------------
// Partial reads
// ------------------------------------------------------------------------------------------------------

test('reading one tensor reads only its bytes (counted by the handle and by a readSync spy)', () => {
  const file = tmpFile();
  const big = seededValues(3, 1 << 20, -10, 10); // 4 MiB neighbour
  writeSafetensors(file, {
    'a.big': { shape: [1024, 1024], data: big },
    'b.small': { shape: [3], data: new Float32Array([1, 2, 3]) },
    'c.big': { shape: [1 << 20], data: big },
  });
  const spy = mock.method(fs, 'readSync');
  try {
    const h = openSafetensors(file);
    const afterHeader = h.stats.bytesRead;
    assert.equal(afterHeader, 8 + h.headerBytes);
    assert.deepEqual(h.read('b.small').data, new Float32Array([1, 2, 3]));
    assert.equal(h.stats.bytesRead - afterHeader, 12);
    h.close();
    const requested = spy.mock.calls.reduce((s, c) => s + ((c.arguments as unknown[])[3] as number), 0);
    assert.equal(requested, 8 + h.headerBytes + 12, 'bytes requested from the OS');
    const positions = spy.mock.calls.map((c) => (c.arguments as unknown[])[4]);
    assert.deepEqual(positions, [0, 8, 8 + h.headerBytes + (1 << 22)]);
  } finally {
    spy.mock.restore();
  }
});

test('a 1 GiB sparse file with one small tensor needed opens and reads without touching the rest', () => {
  const file = tmpFile();
  const bigBytes = 2 ** 30;
  const header = JSON.stringify({
    big: { dtype: 'F32', shape: [bigBytes / 4], data_offsets: [0, bigBytes] },
    small: { dtype: 'F32', shape: [2], data_offsets: [bigBytes, bigBytes + 8] },
  });
  const head = assemble(header, new Uint8Array(0));
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, head);
  fs.writeSync(fd, new Uint8Array(new Float32Array([4.5, -1]).buffer), 0, 8, head.length + bigBytes);
  fs.closeSync(fd);
  const t0 = Date.now();
  const h = openSafetensors(file);
  assert.deepEqual(h.read('small').data, new Float32Array([4.5, -1]));
  assert.equal(h.stats.bytesRead, head.length + 8);
  h.close();
  assert.ok(Date.now() - t0 < 2000);
  fs.unlinkSync(file);
});

test('a header length past 100 MB is refused after reading only the 8-byte prefix', () => {
  const file = tmpFile();
  const fd = fs.openSync(file, 'w');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(100_000_001n);
  fs.writeSync(fd, prefix);
  fs.ftruncateSync(fd, 8 + 100_000_001 + 16); // sparse: big enough that only the 100 MB cap applies
  fs.closeSync(fd);
  const spy = mock.method(fs, 'readSync');
  try {
    assert.throws(
      () => openSafetensors(file),
      (err: unknown) => err instanceof SafetensorsError && err.field === 'length' && /100000001.*outside \[2, 100000000\]/.test(err.message),
    );
    assert.equal(
      spy.mock.calls.reduce((s, c) => s + ((c.arguments as unknown[])[3] as number), 0),
      8,
    );
  } finally {
    spy.mock.restore();
  }
  fs.unlinkSync(file);
});

// ------------------------------------------------------------------------------------------------------
// Validation
// ------------------------------------------------------------------------------------------------------

/** A valid header object with one tensor of each common kind, laid out contiguously, and its buffer size. */
function baseHeader(): { header: Record<string, unknown>; bufferBytes: number } {
  const specs: Array<[string, SafetensorsDtype, number[]]> = [
    ['w.f32', 'F32', [2, 3]],
    ['w.f16', 'F16', [4]],
    ['w.bf16', 'BF16', [2, 2]],
    ['i32', 'I32', [3]],
    ['i64', 'I64', [1]],
    ['f64', 'F64', [1]],
    ['empty', 'F32', [0, 5]],
    ['f8', 'F8_E4M3', [2]],
    ['scalar', 'F32', []],
  ];
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, dtype, shape] of specs) {
    const n = numel(shape) * SAFETENSORS_DTYPE_BYTES[dtype];
    header[name] = { dtype, shape, data_offsets: [offset, offset + n] };
    offset += n;
  }
  return { header, bufferBytes: offset };
}

function expectError(bytes: Uint8Array, pattern: RegExp, context: { tensor?: string; field?: string } = {}): void {
  assert.throws(
    () => openSafetensorsBytes(bytes, 'bad.safetensors'),
    (err: unknown) => {
      assert.ok(err instanceof SafetensorsError, `expected SafetensorsError, got ${String(err)}`);
      assert.match(err.message, /^safetensors bad\.safetensors/);
      assert.match(err.message, pattern);
      if (context.tensor !== undefined) assert.equal(err.tensor, context.tensor);
      if (context.field !== undefined) assert.equal(err.field, context.field);
      return true;
    },
  );
}

test('validation: each rule rejects with a SafetensorsError naming file, tensor and field', () => {
  const { header, bufferBytes } = baseHeader();
  const buf = new Uint8Array(bufferBytes);
  const withEntry = (name: string, patch: Record<string, unknown>): Uint8Array =>
    assemble(JSON.stringify({ ...header, [name]: { ...(header[name] as object), ...patch } }), buf);

  expectError(new Uint8Array(5), /shorter than the 8-byte/, { field: 'length' });
  expectError(assemble('{}', new Uint8Array(0), 1n), /outside \[2, 2\]/, { field: 'length' });
  expectError(assemble('{}', new Uint8Array(0), 3n), /outside \[2, 2\]/, { field: 'length' });
  expectError(assemble('{}', new Uint8Array(0), 2n ** 64n - 1n), /18446744073709551615/, { field: 'length' });
  expectError(assemble(' {}', new Uint8Array(0)), /must start with '\{'/, { field: 'header' });
  expectError(assemble(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), new Uint8Array(0)), /not valid UTF-8/);
  expectError(assemble('{"a":', new Uint8Array(0)), /not valid JSON/);
  expectError(assemble(`{"a":${'['.repeat(100)}${']'.repeat(100)}}`, new Uint8Array(0)), /nests more than 64/);
  expectError(assemble('{"a":1}', new Uint8Array(0)), /entry must be an object/, { tensor: 'a' });
  expectError(withEntry('w.f16', { dtype: 'F17' }), /unknown dtype "F17"/, { tensor: 'w.f16', field: 'dtype' });
  expectError(withEntry('w.f16', { dtype: 'F32' }), /span 8 bytes != 4 elements .* 4 bytes \(F32\)/, { tensor: 'w.f16', field: 'data_offsets' });
  expectError(withEntry('w.f16', { shape: [-4] }), /dimension -4/, { tensor: 'w.f16', field: 'shape' });
  expectError(withEntry('w.f16', { shape: [2.5] }), /dimension 2\.5/, { field: 'shape' });
  expectError(withEntry('w.f16', { shape: ['4'] }), /dimension "4"/, { field: 'shape' });
  expectError(withEntry('w.f16', { shape: 4 }), /must be an array/, { field: 'shape' });
  expectError(withEntry('w.f16', { shape: [2 ** 40, 2 ** 20] }), /overflows/, { field: 'shape' });
  expectError(withEntry('w.f16', { data_offsets: [8, 4] }), /begin 8 > end 4/, { field: 'data_offsets' });
  expectError(withEntry('w.f16', { data_offsets: [bufferBytes, bufferBytes + 8] }), /past the byte buffer/, { field: 'data_offsets' });
  expectError(withEntry('w.f16', { data_offsets: [-8, 0] }), /offset -8/, { field: 'data_offsets' });
  expectError(withEntry('w.f16', { data_offsets: [0, 8, 16] }), /must be \[begin, end\]/, { field: 'data_offsets' });
  expectError(withEntry('w.f16', { data_offsets: [0, 8] }), /overlap tensor "w\.f(16|32)"/, { field: 'data_offsets' });
  expectError(assemble(JSON.stringify({ ...header, __metadata__: { n: 1 } }), buf), /__metadata__\["n"\] must be a string/, { field: '__metadata__' });
  expectError(assemble(JSON.stringify({ ...header, __metadata__: ['x'] }), buf), /__metadata__ must be an object/);
  expectError(assemble('[]', new Uint8Array(0)), /must start with/);
  expectError(assemble('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(3)), /past the byte buffer \(3 bytes/);
});

test('validation: gaps, trailing bytes and unknown fields are allowed and reported', () => {
  const header = JSON.stringify({
    a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
    b: { dtype: 'F32', shape: [1], data_offsets: [8, 12], extra: 1 },
    z: { dtype: 'F32', shape: [0], data_offsets: [2, 2] }, // empty tensors own no bytes: not an overlap
  });
  const buffer = new Uint8Array(new Float32Array([1, 999, 2, 0, 0]).buffer);
  const h = openSafetensorsBytes(assemble(header + '\n\t ', buffer)); // JSON whitespace padding is fine
  assert.deepEqual(h.read('b').data, new Float32Array([2]));
  assert.deepEqual(h.read('z'), { shape: [0], data: new Float32Array(0) });
  assert.equal(h.warnings.length, 3);
  assert.match(h.warnings.join('\n'), /unknown field "extra"/);
  assert.match(h.warnings.join('\n'), /gap of 4 bytes before tensor "b"/);
  assert.match(h.warnings.join('\n'), /unused 8 bytes after the last tensor/);
});

test('odd but valid names ("__proto__", "", unicode) stay plain own keys', () => {
  const header = JSON.stringify({
    __proto__: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
    '': { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
  }).replace('{', '{"ζ.weight":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},');
  // JSON.stringify drops a literal __proto__ key above, so add it by hand as well
  const withProto = header.replace('{', '{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},');
  const file = tmpFile();
  fs.writeFileSync(file, assemble(withProto, new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer)));
  const all = readSafetensors(file);
  assert.deepEqual(Object.keys(all.tensors).sort(), ['', '__proto__', 'ζ.weight']);
  assert.equal(Object.getPrototypeOf(all.tensors), Object.prototype);
  assert.deepEqual(all.tensors['__proto__'].data, new Float32Array([4]));
  // and the writer round-trips them
  const out = tmpFile();
  writeSafetensors(out, all.tensors);
  assert.deepEqual(Object.keys(readSafetensors(out).tensors).sort(), ['', '__proto__', 'ζ.weight']);
});

test('every truncation of a valid file is rejected with a SafetensorsError', () => {
  const file = tmpFile();
  writeSafetensors(
    file,
    {
      a: { shape: [3], data: new Float32Array([1, 2, 3]) },
      b: { shape: [2, 2], data: new Float32Array([4, 5, 6, 7]) },
    },
    { dtype: 'BF16', metadata: { format: 'pt' } },
  );
  const full = new Uint8Array(fs.readFileSync(file));
  for (let len = 0; len < full.length; len++) {
    assert.throws(() => openSafetensorsBytes(full.subarray(0, len), `cut${len}`), SafetensorsError, `length ${len}`);
  }
  // a file that shrinks after opening fails at read time, still with a SafetensorsError
  const h = openSafetensors(file);
  fs.truncateSync(file, full.length - 2);
  assert.throws(
    () => h.read('b'),
    (err: unknown) => err instanceof SafetensorsError && err.tensor === 'b' && /end of file/.test(err.message),
  );
  h.close();
  h.close(); // idempotent
  assert.throws(() => h.read('a'), /handle is closed/);
});

// ------------------------------------------------------------------------------------------------------
// Fuzz
// ------------------------------------------------------------------------------------------------------

/** Independent re-check of what a successful open promises. */
function checkInvariants(h: SafetensorsHandle): void {
  const bufferBytes = h.fileBytes - 8 - h.headerBytes;
  const spans: Array<[number, number]> = [];
  for (const e of h.entries) {
    assert.ok(Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPE_BYTES, e.dtype));
    assert.ok(e.shape.every((d) => Number.isSafeInteger(d) && d >= 0));
    const [b, end] = e.dataOffsets;
    assert.ok(Number.isSafeInteger(b) && b >= 0 && b <= end && end <= bufferBytes);
    assert.equal(end - b, numel(e.shape) * SAFETENSORS_DTYPE_BYTES[e.dtype]);
    if (end > b) spans.push([b, end]);
  }
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) assert.ok(spans[i][1] <= spans[j][0] || spans[j][1] <= spans[i][0], 'overlap');
  }
  for (const v of Object.values(h.metadata)) assert.equal(typeof v, 'string');
}

/** ~2000 seeded mutations of a valid file: each one parses to a valid handle or throws SafetensorsError. */
function fuzzCases(seed: number, count: number): Array<{ kind: string; bytes: Uint8Array }> {
  const rand = rng(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const { header: base, bufferBytes } = baseHeader();
  const names = Object.keys(base).filter((k) => k !== '__metadata__');
  const buffer = (): Uint8Array => Uint8Array.from({ length: bufferBytes }, () => int(256));
  const badValues: unknown[] = [-1, 1.5, 2 ** 53, 1e300, -0, '3', null, true, [], {}, [1, 2, 3], 2 ** 31, Number.MAX_SAFE_INTEGER, [[1]], 'F32'];
  const someNumber = (): unknown => (rand() < 0.5 ? int(bufferBytes + 16) : pick(badValues));
  const clone = (): Record<string, Record<string, unknown>> => JSON.parse(JSON.stringify(base));

  /** A tensor entry still present as an object (earlier mutations may have renamed or replaced some). */
  const entryOf = (h: Record<string, Record<string, unknown>>): Record<string, unknown> => {
    const live = Object.keys(h).filter((k) => k !== '__metadata__' && typeof h[k] === 'object' && h[k] !== null && !Array.isArray(h[k]));
    return live.length > 0 ? h[pick(live)] : {};
  };
  const structural: Record<string, (h: Record<string, Record<string, unknown>>) => void> = {
    offsets: (h) => {
      entryOf(h).data_offsets = [someNumber(), someNumber()];
    },
    overlap: (h) => {
      entryOf(h).data_offsets = entryOf(h).data_offsets;
    },
    shift: (h) => {
      const o = entryOf(h).data_offsets;
      if (Array.isArray(o)) entryOf(h).data_offsets = [o[0] + int(9) - 4, o[1] + int(9) - 4];
    },
    offsetsArity: (h) => {
      entryOf(h).data_offsets = pick([[], [0], [0, 4, 8], '0,4', null]);
    },
    dtype: (h) => {
      entryOf(h).dtype = pick([...Object.keys(SAFETENSORS_DTYPE_BYTES), 'f32', 'F128', '', 7, null, ['F32']]);
    },
    shape: (h) => {
      const old = entryOf(h).shape;
      const s = Array.isArray(old) ? [...old] : [];
      s[int(s.length + 1)] = someNumber();
      entryOf(h).shape = s;
    },
    shapeType: (h) => {
      entryOf(h).shape = pick([null, 4, '4', {}, [[2, 2]], [-1], [0.5], [2 ** 60, 2 ** 60], [1e300]]);
    },
    dropField: (h) => {
      delete entryOf(h)[pick(['dtype', 'shape', 'data_offsets'])];
    },
    extraField: (h) => {
      entryOf(h)[pick(['foo', 'dtype2', '__metadata__'])] = someNumber();
    },
    entryType: (h) => {
      (h as Record<string, unknown>)[pick(names)] = pick([null, 1, 'x', [], [1, 2], true]);
    },
    metadata: (h) => {
      (h as Record<string, unknown>).__metadata__ = pick([null, 1, 'pt', [], { a: 1 }, { a: null }, { a: { b: 'c' } }, { a: 'b', c: 'd' }]);
    },
    rename: (h) => {
      const n = pick(names);
      const v = h[n];
      delete h[n];
      Object.defineProperty(h, pick(['', '__proto__', 'constructor', 'ζ', n + 'x', 'a'.repeat(int(300))]), {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    },
    extraTensor: (h) => {
      h[`t${int(100)}`] = { dtype: pick(['F32', 'U8', 'F16']), shape: [int(4)], data_offsets: [int(bufferBytes + 8), int(bufferBytes + 8)] };
    },
  };
  const kinds = [
    'truncate',
    'flipLength',
    'flipHeader',
    'byteHeader',
    'insertBytes',
    'deleteBytes',
    'hugeLength',
    'deep',
    'duplicate',
    'padding',
    'utf8',
    'bufferSize',
    'rootType',
    ...Object.keys(structural),
    'compound',
  ];

  const cases: Array<{ kind: string; bytes: Uint8Array }> = [];
  for (let c = 0; c < count; c++) {
    const kind = pick(kinds);
    const h = clone();
    let buf = buffer();
    const apply = (k: string): void => structural[k](h);
    if (kind in structural) apply(kind);
    if (kind === 'compound') for (let i = 0; i < 1 + int(3); i++) apply(pick(Object.keys(structural)));
    let text = JSON.stringify(h);
    if (kind === 'deep') {
      const d = 10 + int(5000);
      const [open, close] = rand() < 0.5 ? ['[', ']'] : ['{"k":', '}'];
      text = text.replace('"shape":', `"shape":${open.repeat(d)}1${close.repeat(rand() < 0.9 ? d : int(d))},"x":`);
    }
    if (kind === 'duplicate') {
      const n = pick(names);
      text = text.slice(0, -1) + `,${JSON.stringify(n)}:${JSON.stringify(h[pick(names)])}}`;
    }
    if (kind === 'padding') text = rand() < 0.5 ? text + pick([' ', '\n', '\t', '\r\n']).repeat(1 + int(20)) : pick([' ', '\ufeff', '\n']) + text;
    if (kind === 'rootType') text = pick(['[]', '[{}]', '"x"', '1', 'null', 'true', '{}', '{ }']);
    if (kind === 'bufferSize') {
      const n = Math.max(0, bufferBytes + int(33) - 16);
      buf = Uint8Array.from({ length: n }, () => int(256));
    }
    let head = Buffer.from(text, 'utf8');
    if (kind === 'utf8') {
      const bad = pick([[0xff], [0xc0, 0xaf], [0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]);
      const at = 1 + int(head.length - 1);
      head = Buffer.concat([head.subarray(0, at), Buffer.from(bad), head.subarray(at)]);
    }
    let bytes = assemble(head, buf);
    const headerEnd = 8 + head.length;
    const flips = 1 + int(3);
    switch (kind) {
      case 'truncate':
        bytes = bytes.subarray(0, int(bytes.length));
        break;
      case 'flipLength':
        for (let i = 0; i < flips; i++) bytes[int(8)] ^= 1 << int(8);
        break;
      case 'flipHeader':
        for (let i = 0; i < flips; i++) bytes[8 + int(head.length)] ^= 1 << int(8);
        break;
      case 'byteHeader':
        for (let i = 0; i < flips; i++)
          bytes[8 + int(head.length)] = pick([0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x30, 0x2d, 0x65, 0x20, 0x00, int(256)]);
        break;
      case 'insertBytes': {
        const at = 8 + int(head.length);
        bytes = new Uint8Array(Buffer.concat([bytes.subarray(0, at), Buffer.from([int(256), int(256)]), bytes.subarray(at)]));
        break;
      }
      case 'deleteBytes': {
        const at = 8 + int(head.length);
        bytes = new Uint8Array(Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + int(4))]));
        break;
      }
      case 'hugeLength':
        new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(
          0,
          pick([2n ** 64n - 1n, 2n ** 63n, 100_000_001n, BigInt(headerEnd + int(64)), 0n, 1n, BigInt(int(headerEnd))]),
          true,
        );
        break;
      default:
        break;
    }
    cases.push({ kind, bytes });
  }
  return cases;
}

test('fuzz: 2000 seeded mutated files either open validly or throw SafetensorsError, never anything else', { timeout: 60_000 }, () => {
  const cases = fuzzCases(20251003, 2000);
  const dir = path.dirname(tmpFile());
  let opened = 0;
  let rejected = 0;
  let slowest = 0;
  const outcomes = new Map<string, [number, number]>();
  cases.forEach(({ kind, bytes }, i) => {
    const label = `case${i}-${kind}`;
    const t0 = performance.now();
    let ok = false;
    try {
      // every 10th case goes through a real file, the rest through the in-memory source
      let h: SafetensorsHandle;
      if (i % 10 === 0) {
        const file = path.join(dir, `${label}.safetensors`);
        fs.writeFileSync(file, bytes);
        h = openSafetensors(file);
      } else {
        h = openSafetensorsBytes(bytes, label);
      }
      checkInvariants(h);
      for (const e of h.entries) {
        try {
          const t = h.read(e.name);
          assert.equal(t.data.length, numel(e.shape));
          assert.deepEqual(t.shape, e.shape);
        } catch (err) {
          if (!(err instanceof SafetensorsError)) throw err;
          assert.match(err.message, /cannot be decoded/); // the only legitimate read failure here (F8)
        }
        assert.equal(h.readRaw(e.name).length, e.dataOffsets[1] - e.dataOffsets[0]);
      }
      h.close();
      ok = true;
      opened++;
    } catch (err) {
      if (!(err instanceof SafetensorsError)) {
        assert.fail(
          `${label}: threw ${(err as Error)?.constructor?.name}: ${String(err)} for header ${Buffer.from(bytes.subarray(8, 208)).toString('latin1')}`,
        );
      }
      assert.ok(err.message.includes(label), `${label}: error must name the file: ${err.message}`);
      rejected++;
    }
    slowest = Math.max(slowest, performance.now() - t0);
    const o = outcomes.get(kind) ?? [0, 0];
    o[ok ? 0 : 1]++;
    outcomes.set(kind, o);
  });
  assert.equal(opened + rejected, 2000);
  // the mutations must exercise both outcomes, or the fuzz proves nothing
  assert.ok(opened >= 100 && rejected >= 1000, `opened ${opened}, rejected ${rejected}`);
  assert.ok(slowest < 2000, `slowest case took ${slowest.toFixed(0)} ms`);
  for (const k of ['truncate', 'hugeLength', 'deep', 'utf8', 'overlap', 'offsets', 'shapeType', 'dtype']) {
    assert.ok((outcomes.get(k)?.[1] ?? 0) > 0, `mutation ${k} never rejected`);
  }
});

// ------------------------------------------------------------------------------------------------------
// Writer
// ------------------------------------------------------------------------------------------------------

test('writer is deterministic: same bytes whatever the insertion order', () => {
  const a = { shape: [2], data: new Float32Array([1, 2]) };
  const b = { shape: [1], data: new Float32Array([3]) };
  const f1 = tmpFile();
  const f2 = tmpFile();
  writeSafetensors(f1, { 'layers.10.x': a, 'layers.2.x': b, '0': b, Z: a }, { metadata: { z: '1', a: '2' } });
  writeSafetensors(f2, { Z: a, '0': b, 'layers.2.x': b, 'layers.10.x': a }, { metadata: { a: '2', z: '1' } });
  const bytes = fs.readFileSync(f1);
  assert.deepEqual(bytes, fs.readFileSync(f2));
  const json = bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8');
  assert.match(json, /^\{"__metadata__":\{"a":"2","z":"1"\},"0":.*"Z":.*"layers\.10\.x":.*"layers\.2\.x":.*\} *$/);
});

test('writer rejects bad input with a SafetensorsError naming the tensor, and writes nothing', () => {
  const dir = path.dirname(tmpFile());
  const file = path.join(dir, 'w.safetensors');
  const bad: Array<[Record<string, HostTensor>, object, RegExp, string | undefined]> = [
    [{ x: { shape: [3], data: new Float32Array(2) } }, {}, /shape \[3\] has 3 elements but data has 2/, 'x'],
    [{ x: { shape: [-1], data: new Float32Array(0) } }, {}, /non-negative integers/, 'x'],
    [{ x: { shape: [2], data: [1, 2] as unknown as Float32Array } }, {}, /Float32Array/, 'x'],
    [{ __metadata__: { shape: [1], data: new Float32Array(1) } }, {}, /reserved/, '__metadata__'],
    [{ x: { shape: [1], data: new Float32Array(1) } }, { dtype: 'F64' }, /cannot write dtype "F64"/, undefined],
    [{ x: { shape: [1], data: new Float32Array(1) } }, { metadata: { k: 1 } }, /metadata\["k"\] must be a string/, undefined],
  ];
  for (const [tensors, options, pattern, tensor] of bad) {
    assert.throws(
      () => writeSafetensors(file, tensors, options),
      (err: unknown) => err instanceof SafetensorsError && pattern.test(err.message) && err.tensor === tensor && err.message.includes(file),
    );
  }
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('a writer failing mid-stream leaves the previous file intact and no temp file', () => {
  const dir = path.dirname(tmpFile());
  const file = path.join(dir, 'model.safetensors');
  writeSafetensors(file, { keep: { shape: [1], data: new Float32Array([42]) } });
  const before = fs.readFileSync(file);
  const poisoned = new Float32Array(8);
  // the F16 encoder reaches for the array's buffer only when it streams this (last, by name) tensor
  Object.defineProperty(poisoned, 'buffer', {
    get: () => {
      throw new Error('device lost');
    },
  });
  assert.throws(
    () => writeSafetensors(file, { a: { shape: [1 << 16], data: new Float32Array(1 << 16) }, z: { shape: [8], data: poisoned } }, { dtype: 'F16' }),
    (err: unknown) => err instanceof SafetensorsError && /write failed: device lost/.test(err.message),
  );
  assert.deepEqual(fs.readFileSync(file), before);
  assert.deepEqual(fs.readdirSync(dir), ['model.safetensors']);
  assert.deepEqual(readSafetensors(file).tensors.keep.data, new Float32Array([42]));
});

test('writer streams large tensors in chunks (F16 and BF16 over several 2^20-element chunks)', () => {
  const n = (1 << 20) * 2 + 12345;
  const data = seededValues(99, n, -12, 12);
  for (const dtype of ['F16', 'BF16'] as const) {
    const file = tmpFile();
    const res = writeSafetensors(file, { w: { shape: [n], data } }, { dtype });
    assert.equal(fs.statSync(file).size, res.fileBytes);
    const back = readSafetensors(file).tensors.w.data;
    const enc = dtype === 'F16' ? f32ToF16Bits : f32ToBf16Bits;
    const dec = dtype === 'F16' ? f16BitsToF32 : bf16BitsToF32;
    for (const i of [0, (1 << 20) - 1, 1 << 20, (1 << 21) + 1, n - 1]) assert.equal(back[i], dec(enc(data[i])), `${dtype}[${i}]`);
  }
});

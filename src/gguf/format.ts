// GGUF v3 container (ggml's docs/gguf.md): little-endian; magic "GGUF", version 3, tensor count (u64), KV
// count (u64); KV pairs (key = u64 length + UTF-8 bytes, u32 value type, value); tensor infos (name, n_dims
// u32, dims u64 × n_dims with ne[0] the contiguous one, ggml type u32, offset u64 into the data section);
// padding to `general.alignment` (32); tensor data, each tensor starting at a multiple of the alignment.
// Only what the exporter needs is written (F32 and F16 tensors); `readGgufHeader` reads any v2/v3 header
// back (tests and diagnostics).
import * as fs from 'node:fs';
import { writeFileAtomicWith, writeFullySync } from '../io/atomic';
import { f32BitsToF16Bits, f16BitsToF32 } from '../io/safetensorsDtype';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_ALIGNMENT = 32;

/** GGUF metadata value types (gguf_type). */
export const GGUF_TYPE = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, str: 8, arr: 9, u64: 10, i64: 11, f64: 12 } as const;
type ScalarKind = 'u32' | 'i32' | 'f32' | 'bool' | 'str';

/** One metadata value: a tagged scalar or a homogeneous array. */
export type GgufValue =
  | { type: 'u32' | 'i32' | 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'str'; value: string }
  | { type: 'arr'; of: ScalarKind; values: (number | string | boolean)[] };

/** ggml tensor types written here. */
export const GGML_TYPE = { F32: 0, F16: 1 } as const;
export type GgufDtype = keyof typeof GGML_TYPE;

/** A tensor to write: `dims` in ggml order (ne[0] = the contiguous axis, i.e. row-major [.., ne1, ne0]). */
export interface GgufTensor {
  name: string;
  dims: number[];
  dtype: GgufDtype;
  data: Float32Array;
}

const u32 = (v: number) => ({ type: 'u32' as const, value: v });
const f32 = (v: number) => ({ type: 'f32' as const, value: v });
const str = (v: string) => ({ type: 'str' as const, value: v });
const bool = (v: boolean) => ({ type: 'bool' as const, value: v });
const arr = (of: ScalarKind, values: (number | string | boolean)[]) => ({ type: 'arr' as const, of, values });
/** Value constructors: `gv.u32(3)`, `gv.arr('str', [...])`. */
export const gv = { u32, f32, str, bool, arr, i32: (v: number) => ({ type: 'i32' as const, value: v }) };

/** Growable little-endian byte buffer for the header. */
class Bytes {
  private buf = Buffer.alloc(1 << 16);
  length = 0;
  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  i32(v: number): void {
    this.room(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }
  u64(v: number): void {
    this.room(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  f32(v: number): void {
    this.room(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v;
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.room(b.length);
    b.copy(this.buf, this.length);
    this.length += b.length;
  }
  pad(align: number): void {
    while (this.length % align !== 0) this.u8(0);
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function checkScalar(key: string, kind: ScalarKind, v: unknown): void {
  const ok =
    kind === 'str'
      ? typeof v === 'string'
      : kind === 'bool'
        ? typeof v === 'boolean'
        : kind === 'f32'
          ? typeof v === 'number' && !Number.isNaN(v)
          : typeof v === 'number' && Number.isInteger(v) && (kind === 'u32' ? v >= 0 && v <= 0xffffffff : v >= -0x80000000 && v <= 0x7fffffff);
  if (!ok) throw new TypeError(`GGUF key "${key}": ${JSON.stringify(v)} is not a valid ${kind}`);
}

function writeScalar(b: Bytes, kind: ScalarKind, v: number | string | boolean): void {
  if (kind === 'u32') b.u32(v as number);
  else if (kind === 'i32') b.i32(v as number);
  else if (kind === 'f32') b.f32(v as number);
  else if (kind === 'bool') b.u8(v ? 1 : 0);
  else b.str(v as string);
}

const bytesPer: Record<GgufDtype, number> = { F32: 4, F16: 2 };

/** Encoded tensor bytes (F16: round to nearest, ties to even). */
export function encodeTensor(t: GgufTensor): Uint8Array {
  if (t.dtype === 'F32') return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const bits = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
  const out = new Uint16Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f32BitsToF16Bits(bits[i]);
  return new Uint8Array(out.buffer);
}

/** Serialize the header (everything before the data section) and each tensor's offset. */
export function ggufHeader(kv: Record<string, GgufValue>, tensors: GgufTensor[]): { header: Buffer; offsets: number[]; dataBytes: number } {
  const b = new Bytes();
  b.u32(GGUF_MAGIC);
  b.u32(GGUF_VERSION);
  b.u64(tensors.length);
  b.u64(Object.keys(kv).length);
  for (const [key, v] of Object.entries(kv)) {
    b.str(key);
    b.u32(GGUF_TYPE[v.type]);
    if (v.type === 'arr') {
      b.u32(GGUF_TYPE[v.of]);
      b.u64(v.values.length);
      for (const x of v.values) {
        checkScalar(key, v.of, x);
        writeScalar(b, v.of, x);
      }
    } else {
      checkScalar(key, v.type, v.value);
      writeScalar(b, v.type, v.value);
    }
  }
  const names = new Set<string>();
  const offsets: number[] = [];
  let off = 0;
  for (const t of tensors) {
    if (names.has(t.name)) throw new Error(`GGUF tensor "${t.name}" written twice`);
    names.add(t.name);
    const n = t.dims.reduce((a, x) => a * x, 1);
    if (n !== t.data.length || t.dims.some((x) => !Number.isSafeInteger(x) || x <= 0))
      throw new Error(`GGUF tensor "${t.name}": dims [${t.dims}] do not match ${t.data.length} values`);
    b.str(t.name);
    b.u32(t.dims.length);
    for (const d of t.dims) b.u64(d);
    b.u32(GGML_TYPE[t.dtype]);
    b.u64(off);
    offsets.push(off);
    off += n * bytesPer[t.dtype];
    off = Math.ceil(off / GGUF_ALIGNMENT) * GGUF_ALIGNMENT;
  }
  b.pad(GGUF_ALIGNMENT);
  return { header: b.bytes(), offsets, dataBytes: off };
}

/** Write a GGUF file atomically (temp file + rename; see io/atomic.ts). Returns its size in bytes. */
export function writeGguf(file: string, kv: Record<string, GgufValue>, tensors: GgufTensor[]): number {
  const { header, offsets, dataBytes } = ggufHeader(kv, tensors);
  writeFileAtomicWith(file, (fd) => {
    writeFullySync(fd, header);
    let at = 0;
    tensors.forEach((t, i) => {
      if (offsets[i] > at) writeFullySync(fd, new Uint8Array(offsets[i] - at));
      const bytes = encodeTensor(t);
      writeFullySync(fd, bytes);
      at = offsets[i] + bytes.byteLength;
    });
    if (dataBytes > at) writeFullySync(fd, new Uint8Array(dataBytes - at));
  });
  return header.length + dataBytes;
}

/** What readGguf returns: metadata (arrays as JS arrays) and tensors decoded to float32. */
export interface GgufContents {
  version: number;
  kv: Record<string, unknown>;
  tensors: Record<string, { dims: number[]; dtype: GgufDtype; data: Float32Array }>;
}

/**
 * Read a GGUF file written with F32/F16 tensors (tests, diagnostics); `tensors: false` reads the metadata
 * only (from the first `headerBytes`, default 64 MiB, of the file). Throws on other tensor types.
 */
export function readGguf(file: string, opts: { tensors?: boolean; headerBytes?: number } = {}): GgufContents {
  const withTensors = opts.tensors ?? true;
  let buf: Buffer;
  if (withTensors) buf = fs.readFileSync(file);
  else {
    const fd = fs.openSync(file, 'r');
    try {
      buf = Buffer.alloc(Math.min(fs.fstatSync(fd).size, opts.headerBytes ?? 64 << 20));
      fs.readSync(fd, buf, 0, buf.length, 0);
    } finally {
      fs.closeSync(fd);
    }
  }
  let p = 0;
  const need = (n: number) => {
    if (p + n > buf.length) throw new Error(`${file}: truncated GGUF at byte ${p}`);
  };
  const rU32 = () => (need(4), (p += 4), buf.readUInt32LE(p - 4));
  const rU64 = () => (need(8), (p += 8), Number(buf.readBigUInt64LE(p - 8)));
  const rStr = () => {
    const n = rU64();
    need(n);
    p += n;
    return buf.toString('utf8', p - n, p);
  };
  const rVal = (t: number): unknown => {
    switch (t) {
      case GGUF_TYPE.u8:
        return (need(1), buf[p++]);
      case GGUF_TYPE.i8:
        return (need(1), (p += 1), buf.readInt8(p - 1));
      case GGUF_TYPE.u16:
        return (need(2), (p += 2), buf.readUInt16LE(p - 2));
      case GGUF_TYPE.i16:
        return (need(2), (p += 2), buf.readInt16LE(p - 2));
      case GGUF_TYPE.u32:
        return rU32();
      case GGUF_TYPE.i32:
        return (need(4), (p += 4), buf.readInt32LE(p - 4));
      case GGUF_TYPE.f32:
        return (need(4), (p += 4), buf.readFloatLE(p - 4));
      case GGUF_TYPE.bool:
        return (need(1), buf[p++] !== 0);
      case GGUF_TYPE.str:
        return rStr();
      case GGUF_TYPE.u64:
        return rU64();
      case GGUF_TYPE.i64:
        return (need(8), (p += 8), Number(buf.readBigInt64LE(p - 8)));
      case GGUF_TYPE.f64:
        return (need(8), (p += 8), buf.readDoubleLE(p - 8));
      case GGUF_TYPE.arr: {
        const of = rU32();
        const n = rU64();
        return Array.from({ length: n }, () => rVal(of));
      }
      default:
        throw new Error(`${file}: unknown GGUF value type ${t} at byte ${p}`);
    }
  };
  if (rU32() !== GGUF_MAGIC) throw new Error(`${file}: not a GGUF file (bad magic)`);
  const version = rU32();
  if (version !== 2 && version !== 3) throw new Error(`${file}: GGUF version ${version} not supported`);
  const nT = rU64();
  const nKv = rU64();
  const kv: Record<string, unknown> = {};
  for (let i = 0; i < nKv; i++) {
    const key = rStr();
    kv[key] = rVal(rU32());
  }
  const infos: { name: string; dims: number[]; type: number; off: number }[] = [];
  for (let i = 0; i < nT; i++) {
    const name = rStr();
    const nd = rU32();
    const dims = Array.from({ length: nd }, rU64);
    infos.push({ name, dims, type: rU32(), off: rU64() });
  }
  if (!withTensors) return { version, kv, tensors: {} };
  const align = typeof kv['general.alignment'] === 'number' ? (kv['general.alignment'] as number) : GGUF_ALIGNMENT;
  const base = Math.ceil(p / align) * align;
  const tensors: GgufContents['tensors'] = {};
  for (const t of infos) {
    const n = t.dims.reduce((a, x) => a * x, 1);
    const at = base + t.off;
    let data: Float32Array;
    if (t.type === GGML_TYPE.F32) {
      if (at + 4 * n > buf.length) throw new Error(`${file}: tensor ${t.name} runs past the end`);
      data = new Float32Array(n);
      new Uint8Array(data.buffer).set(buf.subarray(at, at + 4 * n));
    } else if (t.type === GGML_TYPE.F16) {
      if (at + 2 * n > buf.length) throw new Error(`${file}: tensor ${t.name} runs past the end`);
      data = Float32Array.from({ length: n }, (_, i) => f16BitsToF32(buf.readUInt16LE(at + 2 * i)));
    } else throw new Error(`${file}: tensor ${t.name} has ggml type ${t.type} (only F32/F16 are read)`);
    tensors[t.name] = { dims: t.dims, dtype: t.type === GGML_TYPE.F32 ? 'F32' : 'F16', data };
  }
  return { version, kv, tensors };
}

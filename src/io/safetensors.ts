// safetensors reader and writer (https://github.com/huggingface/safetensors, format as of safetensors 0.4).
//
// Layout, all little-endian regardless of host:
//   bytes [0, 8)        u64 N: length of the header in bytes
//   bytes [8, 8 + N)    UTF-8 JSON object, starts with '{', may be right-padded with spaces:
//                         { "<name>": { "dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [b, e] }, ...,
//                           "__metadata__": { "<key>": "<string value>", ... } }   (metadata optional)
//   bytes [8 + N, end)  the byte buffer; tensor <name> occupies buffer bytes [b, e), row-major (C order),
//                       e - b = product(shape) * dtypeBytes (shape [] is a scalar: one element).
//
// Reading never loads the whole file: the header is read and validated once, then each tensor is read at its
// own offset on demand. Everything decodes to float32 host tensors ({shape, data: Float32Array}).
// Writing is deterministic (tensors in byte-wise name order, laid out contiguously; header padded with spaces
// to a multiple of 8 bytes, as safetensors' own writer does), streamed, and atomic (src/io/atomic).
import * as fs from 'node:fs';
import type { HostTensor } from '../model/hostTensor';
import { writeFileAtomicWith, writeFullySync } from './atomic';

/** Every dtype of the safetensors spec, with its size in bytes. */
export const SAFETENSORS_DTYPE_BYTES = Object.freeze({
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const);

/** A dtype name as written in the header. */
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_BYTES;

/** Dtypes {@link SafetensorsHandle.read} decodes to float32 (I64/U64 beyond 2^24 lose precision, as any float32). */
export const SAFETENSORS_DECODABLE: readonly SafetensorsDtype[] = Object.freeze([
  'F32', 'F16', 'BF16', 'F64', 'I8', 'U8', 'I16', 'U16', 'I32', 'U32', 'I64', 'U64', 'BOOL',
] as SafetensorsDtype[]);

/** Dtypes {@link writeSafetensors} can write. */
export type SafetensorsWriteDtype = 'F32' | 'F16' | 'BF16';

/** Largest accepted header, in bytes (the limit of the reference implementation). */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** Deepest JSON nesting accepted in a header (a valid header needs 3); checked before parsing. */
export const SAFETENSORS_MAX_HEADER_DEPTH = 64;

/** Where a problem was found, beyond the file. */
export interface SafetensorsErrorContext {
  /** The tensor name (header key) concerned, when one is. */
  tensor?: string;
  /** The header field concerned: 'dtype', 'shape', 'data_offsets', '__metadata__', 'header', 'length'. */
  field?: string;
  /** The underlying error (I/O, JSON), when there is one. */
  cause?: unknown;
}

/**
 * Every failure of this module: a malformed or truncated file, an unknown or undecodable dtype, a missing
 * tensor, invalid arguments to the writer, or an I/O error. The message names the file, the tensor and the
 * field; the same are available as properties.
 */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
  /** The file path (or the label of an in-memory buffer). */
  readonly file: string;
  readonly tensor?: string;
  readonly field?: string;

  constructor(file: string, message: string, context: SafetensorsErrorContext = {}) {
    const where = [
      context.tensor !== undefined ? `tensor ${JSON.stringify(context.tensor)}` : '',
      context.field !== undefined ? `field ${context.field}` : '',
    ].filter((s) => s !== '').join(', ');
    super(`safetensors ${file}${where ? ` (${where})` : ''}: ${message}`, context.cause !== undefined ? { cause: context.cause } : undefined);
    this.file = file;
    this.tensor = context.tensor;
    this.field = context.field;
  }
}

/** One tensor of the header. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  /** Dimensions, outermost first; [] is a scalar. */
  shape: number[];
  /** [begin, end) in bytes, relative to the start of the byte buffer (file offset 8 + N). */
  dataOffsets: [number, number];
}

/** An open safetensors file (or in-memory buffer): header parsed and validated, tensors read on demand. */
export interface SafetensorsHandle {
  /** File path, or the label given to an in-memory buffer. */
  readonly path: string;
  /** Header entries in byte-wise name order. */
  readonly entries: readonly SafetensorsEntry[];
  /** The `__metadata__` map ({} when absent). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Tolerated oddities: unused gaps between tensors or after the last one, unknown entry fields. */
  readonly warnings: readonly string[];
  /** Header length N in bytes; the byte buffer starts at file offset 8 + N. */
  readonly headerBytes: number;
  /** Total file size in bytes. */
  readonly fileBytes: number;
  /** I/O counters: bytes read from the source so far (prefix and header included). */
  readonly stats: { bytesRead: number };
  /** Whether the header has a tensor of this name. */
  has(name: string): boolean;
  /** The header entry of `name`; throws SafetensorsError listing some names when absent. */
  entry(name: string): SafetensorsEntry;
  /** Read one tensor (only its bytes) and decode it to float32; shape is a fresh copy. */
  read(name: string): HostTensor;
  /** Read one tensor's raw little-endian bytes, undecoded (any dtype). */
  readRaw(name: string): Uint8Array;
  /** Release the file descriptor; later reads throw. Idempotent. */
  close(): void;
}

/** Whole-file result of {@link readSafetensors}. */
export interface SafetensorsContents {
  /** Every tensor, decoded to float32, keyed by name. */
  tensors: Record<string, HostTensor>;
  metadata: Record<string, string>;
  warnings: string[];
}

/** Options of {@link writeSafetensors}. */
export interface WriteSafetensorsOptions {
  /** Storage dtype of every tensor (default 'F32'); F16/BF16 round to nearest, ties to even. */
  dtype?: SafetensorsWriteDtype;
  /**
   * The `__metadata__` map, string → string (default: none written). Hugging Face transformers expects
   * `{ format: 'pt' }` here when a metadata map is present.
   */
  metadata?: Record<string, string>;
}

/** What {@link writeSafetensors} wrote. */
export interface WriteSafetensorsResult {
  /** Total file size in bytes. */
  fileBytes: number;
  /** Header length N (padded), in bytes. */
  headerBytes: number;
  /** Header entries, in file order. */
  entries: SafetensorsEntry[];
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const METADATA_KEY = '__metadata__';
/** Elements encoded per write when converting (bounds the scratch buffer to 4 MiB of F32). */
const WRITE_CHUNK_ELEMENTS = 1 << 20;
/** Bytes per readSync call (readSync takes at most 2^31 - 1). */
const READ_CHUNK_BYTES = 1 << 30;

// ---------------------------------------------------------------------------------------------------------
// float16 / bfloat16 bit conversions (host numbers ↔ 16-bit patterns)
// ---------------------------------------------------------------------------------------------------------

const f32Scratch = (): { f: Float32Array; u: Uint32Array } => {
  const f = new Float32Array(1);
  return { f, u: new Uint32Array(f.buffer) };
};

/** Decode an IEEE binary16 bit pattern (0..0xffff) to a number. */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero or subnormal
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/** Decode a bfloat16 bit pattern (the top 16 bits of a float32) to a number. */
export function bf16BitsToF32(h: number): number {
  const s = f32Scratch();
  s.u[0] = (h & 0xffff) << 16;
  return s.f[0];
}

/**
 * Encode the float32 with bit pattern `x` (unsigned 32-bit) as binary16, round to nearest, ties to even.
 * Overflow gives ±Infinity; NaN gives a quiet NaN with the same sign.
 */
export function f32BitsToF16Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const abs = x & 0x7fffffff;
  if (abs >= 0x7f800000) return abs > 0x7f800000 ? sign | 0x7e00 : sign | 0x7c00; // NaN / ±inf
  const e = (abs >>> 23) - 127 + 15; // biased binary16 exponent
  if (e >= 31) return sign | 0x7c00; // |x| ≥ 2^16: beyond every rounding of 65504
  if (e <= 0) {
    // binary16 subnormal (or zero): value / 2^-24, rounded half-even; 1024 lands on the smallest normal
    if (e < -10) return sign; // |x| < 2^-25: rounds to zero (2^-25 itself is e = -10)
    // |x| = m · 2^(E - 23) with m the 24-bit significand and E = e - 15, so |x| / 2^-24 = m / 2^(14 - e)
    const m = (abs & 0x7fffff) | 0x800000;
    const shift = 14 - e;
    const q = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (rem > half || (rem === half && (q & 1) === 1) ? q + 1 : q);
  }
  const h = (e << 10) | ((abs >>> 13) & 0x3ff);
  const rem = abs & 0x1fff;
  // a carry out of the mantissa bumps the exponent, and 0x7bff + 1 = 0x7c00 is +inf: both correct
  return sign | (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1) ? h + 1 : h);
}

/** Encode the float32 with bit pattern `x` as bfloat16, round to nearest, ties to even; NaN stays a quiet NaN. */
export function f32BitsToBf16Bits(x: number): number {
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x0040) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** binary16 bits of a number (first rounded to float32, as a Float32Array would store it). */
export function f32ToF16Bits(v: number): number {
  const s = f32Scratch();
  s.f[0] = v;
  return f32BitsToF16Bits(s.u[0]);
}

/** bfloat16 bits of a number (first rounded to float32). */
export function f32ToBf16Bits(v: number): number {
  const s = f32Scratch();
  s.f[0] = v;
  return f32BitsToBf16Bits(s.u[0]);
}

// ---------------------------------------------------------------------------------------------------------
// Header validation
// ---------------------------------------------------------------------------------------------------------

interface ParsedHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  warnings: string[];
}

/** Byte-wise (UTF-8) order, as the reference writer sorts names. */
function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Short printable form of a header value for error messages. */
function describe(v: unknown): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = undefined; // BigInt, cycles
  }
  if (s === undefined) s = typeof v === 'bigint' ? `${v}n` : String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Defines an own property even for names like "__proto__". */
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Deepest bracket nesting of a JSON text, scanning bytes (strings skipped); stops early past `limit`. */
function jsonDepth(bytes: Uint8Array, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** Validate and index the JSON header; `bufferBytes` is the size of the byte buffer after it. */
function parseHeader(file: string, headerBytes: Uint8Array, bufferBytes: number): ParsedHeader {
  const fail = (message: string, context: SafetensorsErrorContext = {}): never => {
    throw new SafetensorsError(file, message, context);
  };
  if (headerBytes[0] !== 0x7b) {
    fail(`header must start with '{' (0x7b), found byte 0x${headerBytes[0].toString(16).padStart(2, '0')}; not a safetensors file?`, { field: 'header' });
  }
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch (cause) {
    fail('header is not valid UTF-8', { field: 'header', cause });
  }
  const depth = jsonDepth(headerBytes, SAFETENSORS_MAX_HEADER_DEPTH);
  if (depth > SAFETENSORS_MAX_HEADER_DEPTH) {
    fail(`header JSON nests more than ${SAFETENSORS_MAX_HEADER_DEPTH} levels (a valid header needs 3)`, { field: 'header' });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    fail(`header is not valid JSON (${(cause as Error).message})`, { field: 'header', cause });
  }
  if (!isPlainObject(json)) fail(`header must be a JSON object, got ${describe(json)}`, { field: 'header' });
  const root = json as Record<string, unknown>;

  const metadata: Record<string, string> = {};
  const warnings: string[] = [];
  const entries: SafetensorsEntry[] = [];
  for (const name of Object.keys(root)) {
    const value = root[name];
    if (name === METADATA_KEY) {
      if (value === null) continue;
      if (!isPlainObject(value)) fail(`__metadata__ must be an object of strings, got ${describe(value)}`, { field: METADATA_KEY });
      for (const key of Object.keys(value as object)) {
        const v = (value as Record<string, unknown>)[key];
        if (typeof v !== 'string') fail(`__metadata__[${JSON.stringify(key)}] must be a string, got ${describe(v)}`, { field: METADATA_KEY });
        setOwn(metadata, key, v as string);
      }
      continue;
    }
    entries.push(validateEntry(file, name, value, bufferBytes, warnings));
  }
  checkLayout(file, entries, bufferBytes, warnings);
  entries.sort((a, b) => compareNames(a.name, b.name));
  return { entries, metadata, warnings };
}

function validateEntry(file: string, name: string, value: unknown, bufferBytes: number, warnings: string[]): SafetensorsEntry {
  const fail = (field: string, message: string): never => {
    throw new SafetensorsError(file, message, { tensor: name, field });
  };
  if (!isPlainObject(value)) fail('header', `entry must be an object {dtype, shape, data_offsets}, got ${describe(value)}`);
  const info = value as Record<string, unknown>;
  for (const key of Object.keys(info)) {
    if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets') warnings.push(`tensor ${JSON.stringify(name)}: unknown field ${JSON.stringify(key)} ignored`);
  }

  const dtype = info.dtype;
  if (typeof dtype !== 'string' || !Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPE_BYTES, dtype)) {
    fail('dtype', `unknown dtype ${describe(dtype)}; expected one of ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')}`);
  }
  const itemBytes = SAFETENSORS_DTYPE_BYTES[dtype as SafetensorsDtype];

  const shape = info.shape;
  if (!Array.isArray(shape)) fail('shape', `must be an array of non-negative integers, got ${describe(shape)}`);
  let numel = 1;
  for (const d of shape as unknown[]) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      fail('shape', `dimension ${describe(d)} is not a non-negative safe integer (shape ${describe(shape)})`);
    }
    numel *= d as number;
    if (!Number.isSafeInteger(numel * itemBytes)) fail('shape', `byte size of shape ${describe(shape)} overflows 2^53`);
  }

  const offsets = info.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2) fail('data_offsets', `must be [begin, end], got ${describe(offsets)}`);
  const [b, e] = offsets as unknown[];
  for (const o of [b, e]) {
    if (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0) fail('data_offsets', `offset ${describe(o)} is not a non-negative safe integer`);
  }
  const begin = b as number;
  const end = e as number;
  if (begin > end) fail('data_offsets', `begin ${begin} > end ${end}`);
  if (end > bufferBytes) {
    fail('data_offsets', `end ${end} is past the byte buffer (${bufferBytes} bytes after the header): file truncated or offsets corrupt`);
  }
  if (end - begin !== numel * itemBytes) {
    fail('data_offsets', `span ${end - begin} bytes != ${numel} elements of shape ${describe(shape)} × ${itemBytes} bytes (${dtype})`);
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: (shape as number[]).slice(), dataOffsets: [begin, end] };
}

/** No two tensors may share a byte; gaps (including unused trailing bytes) are reported as warnings. */
function checkLayout(file: string, entries: readonly SafetensorsEntry[], bufferBytes: number, warnings: string[]): void {
  const filled = entries
    .filter((t) => t.dataOffsets[1] > t.dataOffsets[0]) // empty tensors own no bytes
    .sort((x, y) => x.dataOffsets[0] - y.dataOffsets[0] || x.dataOffsets[1] - y.dataOffsets[1]);
  let end = 0;
  let last: SafetensorsEntry | undefined;
  for (const t of filled) {
    const [b, e] = t.dataOffsets;
    if (b < end && last !== undefined) {
      throw new SafetensorsError(
        file,
        `bytes [${b}, ${e}) overlap tensor ${JSON.stringify(last.name)} at [${last.dataOffsets[0]}, ${last.dataOffsets[1]})`,
        { tensor: t.name, field: 'data_offsets' },
      );
    }
    if (b > end) warnings.push(`unused gap of ${b - end} bytes before tensor ${JSON.stringify(t.name)} (buffer bytes [${end}, ${b}))`);
    end = e;
    last = t;
  }
  if (end < bufferBytes) warnings.push(`unused ${bufferBytes - end} bytes after the last tensor (buffer bytes [${end}, ${bufferBytes}))`);
}

// ---------------------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------------------

/** Decode `bytes` (little-endian, `numel` items of `dtype`, own ArrayBuffer at offset 0) to float32. */
function decode(file: string, entry: SafetensorsEntry, bytes: Uint8Array, numel: number): Float32Array {
  const out = new Float32Array(numel);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (entry.dtype) {
    case 'F32':
      for (let i = 0; i < numel; i++) out[i] = dv.getFloat32(4 * i, true);
      break;
    case 'F16': {
      // bit-level widening (same results as f16BitsToF32, ~10× faster): float32 and uint32 views share
      // host order, so writing bits through `u` is endianness-neutral
      const src = hostU16(bytes, numel);
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < numel; i++) {
        const h = src[i];
        const sign = (h & 0x8000) << 16;
        const em = h & 0x7fff;
        if (em >= 0x7c00) u[i] = (sign | 0x7f800000 | ((em & 0x3ff) << 13)) >>> 0; // ±inf, NaN (payload kept)
        else if (em >= 0x0400) u[i] = (sign | ((em << 13) + 0x38000000)) >>> 0; // normal: rebias 15 → 127
        else out[i] = (sign ? -em : em) * 5.960464477539063e-8; // zero / subnormal: em · 2^-24 (keeps -0)
      }
      break;
    }
    case 'BF16': {
      const src = hostU16(bytes, numel);
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < numel; i++) u[i] = src[i] << 16;
      break;
    }
    case 'F64':
      for (let i = 0; i < numel; i++) out[i] = dv.getFloat64(8 * i, true);
      break;
    case 'I8':
      for (let i = 0; i < numel; i++) out[i] = dv.getInt8(i);
      break;
    case 'U8':
      for (let i = 0; i < numel; i++) out[i] = bytes[i];
      break;
    case 'BOOL':
      for (let i = 0; i < numel; i++) out[i] = bytes[i] !== 0 ? 1 : 0;
      break;
    case 'I16':
      for (let i = 0; i < numel; i++) out[i] = dv.getInt16(2 * i, true);
      break;
    case 'U16':
      for (let i = 0; i < numel; i++) out[i] = dv.getUint16(2 * i, true);
      break;
    case 'I32':
      for (let i = 0; i < numel; i++) out[i] = dv.getInt32(4 * i, true);
      break;
    case 'U32':
      for (let i = 0; i < numel; i++) out[i] = dv.getUint32(4 * i, true);
      break;
    case 'I64':
      for (let i = 0; i < numel; i++) out[i] = dv.getInt32(8 * i + 4, true) * 4294967296 + dv.getUint32(8 * i, true);
      break;
    case 'U64':
      for (let i = 0; i < numel; i++) out[i] = dv.getUint32(8 * i + 4, true) * 4294967296 + dv.getUint32(8 * i, true);
      break;
    default:
      throw undecodable(file, entry);
  }
  return out;
}

/** Little-endian u16 items of `bytes` as a host-order array (a view on little-endian hosts, a copy otherwise). */
function hostU16(bytes: Uint8Array, numel: number): Uint16Array {
  if (HOST_LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, numel);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint16Array(numel);
  for (let i = 0; i < numel; i++) out[i] = dv.getUint16(2 * i, true);
  return out;
}

function undecodable(file: string, entry: SafetensorsEntry): SafetensorsError {
  return new SafetensorsError(
    file,
    `dtype ${entry.dtype} cannot be decoded to float32 (supported: ${SAFETENSORS_DECODABLE.join(', ')}); use readRaw() for its bytes`,
    { tensor: entry.name, field: 'dtype' },
  );
}

// ---------------------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------------------

/** Random-access byte source: a file descriptor or an in-memory buffer. */
interface ByteSource {
  readonly size: number;
  /** Fill `target` from absolute position `position`; throws if the source ends first. */
  readInto(position: number, target: Uint8Array): void;
  close(): void;
}

function fileSource(file: string): ByteSource {
  let fd: number | undefined;
  let size: number;
  try {
    fd = fs.openSync(file, 'r');
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (cause) {
    if (fd !== undefined) fs.closeSync(fd);
    throw new SafetensorsError(file, `cannot open: ${(cause as Error).message}`, { cause });
  }
  const handle = fd;
  return {
    size,
    readInto(position, target) {
      let done = 0;
      while (done < target.byteLength) {
        const n = fs.readSync(handle, target, done, Math.min(READ_CHUNK_BYTES, target.byteLength - done), position + done);
        if (n === 0) throw new Error(`unexpected end of file at byte ${position + done} (file shrank since it was opened?)`);
        done += n;
      }
    },
    close() {
      fs.closeSync(handle);
    },
  };
}

function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    readInto(position, target) {
      if (position + target.byteLength > bytes.byteLength) throw new Error(`read past the end of the buffer at byte ${bytes.byteLength}`);
      target.set(bytes.subarray(position, position + target.byteLength));
    },
    close() {},
  };
}

function openSource(label: string, source: ByteSource): SafetensorsHandle {
  const stats = { bytesRead: 0 };
  let open = true;
  const readAt = (position: number, length: number, context: SafetensorsErrorContext): Uint8Array => {
    if (!open) throw new SafetensorsError(label, 'handle is closed; open the file again', context);
    const target = new Uint8Array(length);
    try {
      source.readInto(position, target);
    } catch (cause) {
      throw new SafetensorsError(label, `read of ${length} bytes at ${position} failed: ${(cause as Error).message}`, { ...context, cause });
    }
    stats.bytesRead += length;
    return target;
  };
  const close = (): void => {
    if (!open) return;
    open = false;
    source.close();
  };

  let parsed: ParsedHeader;
  let n: number;
  try {
    if (source.size < 8) {
      throw new SafetensorsError(label, `file is ${source.size} bytes, shorter than the 8-byte header length prefix (truncated?)`, { field: 'length' });
    }
    const n64 = new DataView(readAt(0, 8, { field: 'length' }).buffer).getBigUint64(0, true);
    const limit = Math.min(source.size - 8, SAFETENSORS_MAX_HEADER_BYTES);
    if (n64 < 2n || n64 > BigInt(limit)) {
      throw new SafetensorsError(
        label,
        `header length ${n64} outside [2, ${limit}] (limit = min(file size ${source.size} - 8, ${SAFETENSORS_MAX_HEADER_BYTES})): truncated or not a safetensors file`,
        { field: 'length' },
      );
    }
    n = Number(n64);
    parsed = parseHeader(label, readAt(8, n, { field: 'header' }), source.size - 8 - n);
  } catch (err) {
    close();
    throw err;
  }

  const byName = new Map(parsed.entries.map((e) => [e.name, e]));
  const entry = (name: string): SafetensorsEntry => {
    const e = byName.get(name);
    if (e === undefined) {
      const names = parsed.entries.slice(0, 8).map((x) => JSON.stringify(x.name)).join(', ');
      const more = parsed.entries.length > 8 ? `, … (${parsed.entries.length} in all)` : '';
      throw new SafetensorsError(label, `no such tensor; the file has ${names || 'no tensors'}${more}`, { tensor: name });
    }
    return e;
  };
  const readRaw = (name: string): Uint8Array => {
    const e = entry(name);
    return readAt(8 + n + e.dataOffsets[0], e.dataOffsets[1] - e.dataOffsets[0], { tensor: name });
  };
  const read = (name: string): HostTensor => {
    const e = entry(name);
    const numel = e.shape.reduce((a, d) => a * d, 1);
    if (!SAFETENSORS_DECODABLE.includes(e.dtype)) throw undecodable(label, e);
    if (e.dtype === 'F32' && HOST_LITTLE_ENDIAN) {
      // zero-copy: the file bytes are the float32 array
      const bytes = readRaw(name);
      return { shape: e.shape.slice(), data: new Float32Array(bytes.buffer, 0, numel) };
    }
    return { shape: e.shape.slice(), data: decode(label, e, readRaw(name), numel) };
  };

  return {
    path: label,
    entries: parsed.entries,
    metadata: parsed.metadata,
    warnings: parsed.warnings,
    headerBytes: n,
    fileBytes: source.size,
    stats,
    has: (name) => byName.has(name),
    entry,
    read,
    readRaw,
    close,
  };
}

/**
 * Open a safetensors file: reads and validates the 8-byte prefix and the header only (never the whole file);
 * tensors are read on demand with {@link SafetensorsHandle.read} at their own offsets. Call close() when done.
 * Throws SafetensorsError (file, tensor and field named) on any malformed header or I/O failure.
 */
export function openSafetensors(path: string): SafetensorsHandle {
  return openSource(path, fileSource(path));
}

/** Same as {@link openSafetensors} over bytes already in memory (e.g. fetched); `label` names it in errors. */
export function openSafetensorsBytes(bytes: Uint8Array, label = '<bytes>'): SafetensorsHandle {
  return openSource(label, bytesSource(bytes));
}

/** Read a whole safetensors file: every tensor decoded to float32, plus metadata and warnings. */
export function readSafetensors(path: string): SafetensorsContents {
  const h = openSafetensors(path);
  try {
    const tensors: Record<string, HostTensor> = {};
    for (const e of h.entries) setOwn(tensors, e.name, h.read(e.name));
    return { tensors, metadata: { ...h.metadata }, warnings: [...h.warnings] };
  } finally {
    h.close();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------------------

/**
 * Write `tensors` (float32 host tensors, row-major) to a safetensors file at `path`, atomically (a temp file
 * renamed over the target; the target never holds a half-written file).
 *
 * Deterministic: tensors in byte-wise (UTF-8) name order, contiguous from buffer offset 0, header JSON as
 * `{"__metadata__":{sorted keys},"name":{"dtype":..,"shape":[..],"data_offsets":[b,e]},..}` padded with
 * spaces to a multiple of 8 bytes (the layout of safetensors' own writer). Tensors are converted and
 * streamed in chunks of 2^20 elements (F32 on little-endian hosts is written straight from the array).
 * Throws SafetensorsError naming the tensor on a bad shape/length, a reserved name or bad options.
 */
export function writeSafetensors(
  path: string,
  tensors: Record<string, HostTensor>,
  options: WriteSafetensorsOptions = {},
): WriteSafetensorsResult {
  const dtype = options.dtype ?? 'F32';
  if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16') {
    throw new SafetensorsError(path, `cannot write dtype ${describe(dtype)}; use 'F32', 'F16' or 'BF16'`, { field: 'dtype' });
  }
  const itemBytes = SAFETENSORS_DTYPE_BYTES[dtype];
  const parts: string[] = [];
  if (options.metadata !== undefined) {
    if (!isPlainObject(options.metadata)) throw new SafetensorsError(path, 'metadata must be an object of strings', { field: METADATA_KEY });
    const meta = options.metadata;
    const keys = Object.keys(meta).sort(compareNames);
    for (const k of keys) {
      if (typeof meta[k] !== 'string') {
        throw new SafetensorsError(path, `metadata[${JSON.stringify(k)}] must be a string, got ${describe(meta[k])}`, { field: METADATA_KEY });
      }
    }
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(meta[k])}`).join(',')}}`);
  }

  const names = Object.keys(tensors).sort(compareNames);
  const entries: SafetensorsEntry[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const fail = (field: string, message: string): never => {
      throw new SafetensorsError(path, message, { tensor: name, field });
    };
    if (name === METADATA_KEY) fail('header', `${METADATA_KEY} is reserved; pass metadata in options.metadata`);
    if (!isPlainObject(t) || !(t.data instanceof Float32Array)) fail('data', 'must be {shape: number[], data: Float32Array}');
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail('shape', `must be an array of non-negative integers, got ${describe(t.shape)}`);
    }
    const numel = t.shape.reduce((a, d) => a * d, 1);
    if (numel !== t.data.length) fail('shape', `shape ${describe(t.shape)} has ${numel} elements but data has ${t.data.length}`);
    const end = offset + numel * itemBytes;
    entries.push({ name, dtype, shape: t.shape.slice(), dataOffsets: [offset, end] });
    parts.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype, shape: t.shape, data_offsets: [offset, end] })}`);
    offset = end;
  }

  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const headerBytes = json.length + ((8 - (json.length % 8)) % 8);
  const prefix = Buffer.alloc(8 + headerBytes, 0x20);
  prefix.writeBigUInt64LE(BigInt(headerBytes), 0);
  json.copy(prefix, 8);

  try {
    writeFileAtomicWith(path, (fd) => {
      writeFullySync(fd, prefix);
      let longest = 1;
      for (const name of names) longest = Math.max(longest, tensors[name].data.length);
      const scratch = new Uint8Array(Math.min(WRITE_CHUNK_ELEMENTS, longest) * itemBytes);
      for (const name of names) writeTensor(fd, tensors[name].data, dtype, scratch);
    });
  } catch (cause) {
    throw new SafetensorsError(path, `write failed: ${(cause as Error).message}`, { cause });
  }
  return { fileBytes: 8 + headerBytes + offset, headerBytes, entries };
}

/** Stream one float32 array to `fd` as `dtype`, little-endian, through `scratch` (chunked). */
function writeTensor(fd: number, data: Float32Array, dtype: SafetensorsWriteDtype, scratch: Uint8Array): void {
  if (dtype === 'F32' && HOST_LITTLE_ENDIAN) {
    writeFullySync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return;
  }
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length); // host order, like the floats
  const dv = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
  const u16 = HOST_LITTLE_ENDIAN ? new Uint16Array(scratch.buffer, scratch.byteOffset, scratch.byteLength >> 1) : undefined;
  const itemBytes = SAFETENSORS_DTYPE_BYTES[dtype];
  const chunk = scratch.byteLength / itemBytes;
  const encode = dtype === 'F16' ? f32BitsToF16Bits : f32BitsToBf16Bits;
  for (let start = 0; start < data.length; start += chunk) {
    const stop = Math.min(data.length, start + chunk);
    if (dtype === 'F32') for (let i = start; i < stop; i++) dv.setFloat32(4 * (i - start), data[i], true);
    else if (u16 !== undefined) for (let i = start; i < stop; i++) u16[i - start] = encode(bits[i]);
    else for (let i = start; i < stop; i++) dv.setUint16(2 * (i - start), encode(bits[i]), true);
    writeFullySync(fd, scratch.subarray(0, (stop - start) * itemBytes));
  }
}

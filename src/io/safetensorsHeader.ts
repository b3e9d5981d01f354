// safetensors format: dtypes, header types, errors and header validation (https://github.com/huggingface/
// safetensors, format as of safetensors 0.4). Reader in safetensorsReader.ts, writer in safetensorsWriter.ts,
// dtype codec in safetensorsDtype.ts.
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

/** A float32 host tensor, row-major (the project's HostTensor has this shape). */
export interface SafetensorsTensor {
  shape: number[];
  data: Float32Array;
}

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
  'F32',
  'F16',
  'BF16',
  'F64',
  'I8',
  'U8',
  'I16',
  'U16',
  'I32',
  'U32',
  'I64',
  'U64',
  'BOOL',
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
    const where = [context.tensor !== undefined ? `tensor ${JSON.stringify(context.tensor)}` : '', context.field !== undefined ? `field ${context.field}` : '']
      .filter((s) => s !== '')
      .join(', ');
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
  read(name: string): SafetensorsTensor;
  /** Read one tensor's raw little-endian bytes, undecoded (any dtype). */
  readRaw(name: string): Uint8Array;
  /** Release the file descriptor; later reads throw. Idempotent. */
  close(): void;
}

/** Whole-file result of {@link readSafetensors}. */
export interface SafetensorsContents {
  /** Every tensor, decoded to float32, keyed by name. */
  tensors: Record<string, SafetensorsTensor>;
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

export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
export const METADATA_KEY = '__metadata__';

// ---------------------------------------------------------------------------------------------------------
// Header validation
// ---------------------------------------------------------------------------------------------------------

export interface ParsedHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  warnings: string[];
}

/** Byte-wise (UTF-8) order, as the reference writer sorts names. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Short printable form of a header value for error messages. */
export function describe(v: unknown): string {
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
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
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
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
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
export function parseHeader(file: string, headerBytes: Uint8Array, bufferBytes: number): ParsedHeader {
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
    if (key !== 'dtype' && key !== 'shape' && key !== 'data_offsets')
      warnings.push(`tensor ${JSON.stringify(name)}: unknown field ${JSON.stringify(key)} ignored`);
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
      throw new SafetensorsError(file, `bytes [${b}, ${e}) overlap tensor ${JSON.stringify(last.name)} at [${last.dataOffsets[0]}, ${last.dataOffsets[1]})`, {
        tensor: t.name,
        field: 'data_offsets',
      });
    }
    if (b > end) warnings.push(`unused gap of ${b - end} bytes before tensor ${JSON.stringify(t.name)} (buffer bytes [${end}, ${b}))`);
    end = e;
    last = t;
  }
  if (end < bufferBytes) warnings.push(`unused ${bufferBytes - end} bytes after the last tensor (buffer bytes [${end}, ${bufferBytes}))`);
}

// safetensors writer: deterministic (byte-wise name order, contiguous, header padded to 8 bytes as
// safetensors' own writer), streamed in chunks, and atomic (io/atomic.ts).
import {
  SAFETENSORS_DTYPE_BYTES,
  SafetensorsEntry,
  SafetensorsError,
  SafetensorsTensor,
  SafetensorsWriteDtype,
  WriteSafetensorsOptions,
  WriteSafetensorsResult,
  HOST_LITTLE_ENDIAN,
  METADATA_KEY,
  compareNames,
  describe,
  isPlainObject,
} from './safetensorsHeader';
import { f32BitsToF16Bits, f32BitsToBf16Bits } from './safetensorsDtype';
import { writeFileAtomicWith, writeFullySync } from './atomic';

/** Elements encoded per write when converting (bounds the scratch buffer to 4 MiB of F32). */
const WRITE_CHUNK_ELEMENTS = 1 << 20;

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
export function writeSafetensors(path: string, tensors: Record<string, SafetensorsTensor>, options: WriteSafetensorsOptions = {}): WriteSafetensorsResult {
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

// safetensors reader: the header is read and validated once, then each tensor is read at its own offset on
// demand and decoded to float32 (format and validation in safetensorsHeader.ts).
import * as fs from 'node:fs';
import {
  SafetensorsContents,
  SafetensorsEntry,
  SafetensorsError,
  SafetensorsErrorContext,
  SafetensorsHandle,
  SafetensorsTensor,
  SAFETENSORS_MAX_HEADER_BYTES,
  SAFETENSORS_DECODABLE,
  HOST_LITTLE_ENDIAN,
  ParsedHeader,
  parseHeader,
  setOwn,
} from './safetensorsHeader';
import { decode, undecodable } from './safetensorsDtype';

/** Bytes per readSync call (readSync takes at most 2^31 - 1). */
const READ_CHUNK_BYTES = 1 << 30;

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
      const names = parsed.entries
        .slice(0, 8)
        .map((x) => JSON.stringify(x.name))
        .join(', ');
      const more = parsed.entries.length > 8 ? `, … (${parsed.entries.length} in all)` : '';
      throw new SafetensorsError(label, `no such tensor; the file has ${names || 'no tensors'}${more}`, { tensor: name });
    }
    return e;
  };
  const readRaw = (name: string): Uint8Array => {
    const e = entry(name);
    return readAt(8 + n + e.dataOffsets[0], e.dataOffsets[1] - e.dataOffsets[0], { tensor: name });
  };
  const read = (name: string): SafetensorsTensor => {
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
    const tensors: Record<string, SafetensorsTensor> = {};
    for (const e of h.entries) setOwn(tensors, e.name, h.read(e.name));
    return { tensors, metadata: { ...h.metadata }, warnings: [...h.warnings] };
  } finally {
    h.close();
  }
}

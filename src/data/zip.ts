// Minimal zip reader: one member out of an in-memory archive (PKWARE APPNOTE 4.3: end of central
// directory → central directory entry → local header → data). Stored (0) and deflated (8) members only,
// no zip64, no encryption: enough for the public corpus archives (WikiText). The CRC is not checked here
// because every extracted file is verified by sha256 afterwards.
import { inflateRawSync } from 'node:zlib';

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;

/**
 * The bytes of member `name` (exact path inside the archive, '/'-separated) of the zip archive `zip`.
 * Throws an error naming the member (and listing a few present ones) when absent, or saying why the
 * archive cannot be read.
 */
export function extractZipMember(zip: Buffer, name: string): Buffer {
  // The EOCD record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`Not a zip archive (no end-of-central-directory record) while looking for ${name}.`);
  const entries = zip.readUInt16LE(eocd + 10);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || entries === 0xffff) throw new Error(`zip64 archives are not supported (member ${name}).`);
  const seen: string[] = [];
  let p = cdOffset;
  for (let e = 0; e < entries; e++) {
    if (p + 46 > zip.length || zip.readUInt32LE(p) !== CEN_SIG) throw new Error(`Corrupt zip central directory while looking for ${name}.`);
    const method = zip.readUInt16LE(p + 10);
    const compSize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const entryName = zip.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (entryName !== name) {
      if (seen.length < 8) seen.push(entryName);
      continue;
    }
    if (zip.readUInt32LE(local) !== LOC_SIG) throw new Error(`Corrupt zip local header for ${name}.`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compSize);
    if (raw.length !== compSize) throw new Error(`Truncated zip archive: member ${name} is cut short.`);
    let out: Buffer;
    if (method === 0) out = Buffer.from(raw);
    else if (method === 8) out = inflateRawSync(raw);
    else throw new Error(`Unsupported zip compression method ${method} for member ${name} (only stored/deflate).`);
    if (out.length !== size) throw new Error(`zip member ${name}: ${out.length} bytes extracted, header says ${size}.`);
    return out;
  }
  throw new Error(`zip archive has no member ${name} (members include: ${seen.join(', ')}).`);
}

// A minimal zip writer (PKWARE APPNOTE 4.3): stored members (no compression), no zip64, CRC-32 per
// member, a fixed timestamp so that the same files give the same bytes. Enough for the page's download
// of a saved model (a few MB at most). Browser-safe; src/data/zip.ts reads it back.

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// 1980-01-01 00:00 in MS-DOS format.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/** A zip archive holding `files` (name → bytes, '/'-separated names) in the given order, stored. */
export function zipStore(files: Record<string, Uint8Array>): Uint8Array {
  const enc = new TextEncoder();
  const entries = Object.entries(files).map(([name, data]) => ({ name: enc.encode(name), data, crc: crc32(data), offset: 0 }));
  let size = 22;
  for (const e of entries) size += 30 + e.name.length + e.data.length + 46 + e.name.length;
  if (size > 0xffffffff || entries.length > 0xffff) throw new RangeError('zipStore: archive too large for zip without zip64');
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let at = 0;
  const u16 = (v: number) => {
    dv.setUint16(at, v, true);
    at += 2;
  };
  const u32 = (v: number) => {
    dv.setUint32(at, v, true);
    at += 4;
  };
  for (const e of entries) {
    e.offset = at;
    u32(0x04034b50);
    u16(20);
    u16(0x0800);
    u16(0);
    u16(DOS_TIME);
    u16(DOS_DATE);
    u32(e.crc);
    u32(e.data.length);
    u32(e.data.length);
    u16(e.name.length);
    u16(0);
    out.set(e.name, at);
    at += e.name.length;
    out.set(e.data, at);
    at += e.data.length;
  }
  const cdStart = at;
  for (const e of entries) {
    u32(0x02014b50);
    u16(20);
    u16(20);
    u16(0x0800);
    u16(0);
    u16(DOS_TIME);
    u16(DOS_DATE);
    u32(e.crc);
    u32(e.data.length);
    u32(e.data.length);
    u16(e.name.length);
    u16(0);
    u16(0);
    u16(0);
    u16(0);
    u32(0);
    u32(e.offset);
    out.set(e.name, at);
    at += e.name.length;
  }
  const cdSize = at - cdStart;
  u32(0x06054b50);
  u16(0);
  u16(0);
  u16(entries.length);
  u16(entries.length);
  u32(cdSize);
  u32(cdStart);
  u16(0);
  return out;
}

// The llama2.c tokenizer (tokenizer.bin format; SentencePiece BPE with byte fallback), mirroring
// llama2.c run.c `encode`/`decode` exactly. Pieces are handled as raw bytes (latin1 keys) so lookups are
// byte-exact like the C code. Encoding uses a heap of candidate merges (highest score, leftmost on ties),
// which picks the same merge as run.c's O(n²) scan at every step, in O(n log n).
import { ModelFormatError } from '../errors';

// Browser-safe (no node imports, no Buffer): the file loader is in tokenizer.ts. TextEncoder/TextDecoder
// give the same bytes/strings as Buffer's utf8 (lone surrogates → U+FFFD; invalid input → U+FFFD per
// maximal subpart; a leading BOM is kept).
const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder('utf-8', { ignoreBOM: true });

/** Bytes as a latin1 string (one char per byte). */
function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

export interface Tokenizer {
  /** Piece bytes per id (latin1 string: one char per byte). */
  pieces: string[];
  scores: Float32Array;
  maxTokenLength: number;
  bosId: number;
  eosId: number;
  /** Piece bytes → id (first id wins on duplicates, as run.c's sorted bsearch does not promise otherwise). */
  lookup: Map<string, number>;
}

/** Parse tokenizer.bin bytes; `vocabSize` pieces are expected. */
export function parseTokenizer(buf: Uint8Array, vocabSize: number, file: string): Tokenizer {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.byteLength < 4) throw new ModelFormatError(file, 'too short for a tokenizer header');
  const maxTokenLength = dv.getInt32(0, true);
  if (maxTokenLength <= 0 || maxTokenLength > 1 << 16) throw new ModelFormatError(file, `bad max_token_length ${maxTokenLength}`);
  const pieces: string[] = [];
  const scores = new Float32Array(vocabSize);
  let off = 4;
  for (let i = 0; i < vocabSize; i++) {
    if (off + 8 > buf.byteLength) throw new ModelFormatError(file, `truncated at piece ${i} of ${vocabSize}`);
    scores[i] = dv.getFloat32(off, true);
    const len = dv.getInt32(off + 4, true);
    off += 8;
    if (len < 0 || len > maxTokenLength || off + len > buf.byteLength)
      throw new ModelFormatError(file, `piece ${i} has bad length ${len} (max_token_length ${maxTokenLength}, ${buf.byteLength - off} bytes left)`);
    if (!Number.isFinite(scores[i])) throw new ModelFormatError(file, `piece ${i} has non-finite score`);
    pieces.push(latin1(buf.subarray(off, off + len)));
    off += len;
  }
  if (off !== buf.byteLength)
    throw new ModelFormatError(file, `${buf.byteLength - off} trailing bytes after ${vocabSize} pieces: wrong vocab size or corrupt file`);
  const lookup = new Map<string, number>();
  pieces.forEach((p, i) => {
    if (!lookup.has(p)) lookup.set(p, i);
  });
  return { pieces, scores, maxTokenLength, bosId: 1, eosId: 2, lookup };
}

/** Binary min-heap of merge candidates ordered by (−score, left position). */
class MergeHeap {
  private s: number[] = [];
  private p: number[] = [];
  private r: number[] = []; // right node at push time (for lazy invalidation)
  private id: number[] = [];
  get size(): number {
    return this.s.length;
  }
  private less(a: number, b: number): boolean {
    return this.s[a] > this.s[b] || (this.s[a] === this.s[b] && this.p[a] < this.p[b]);
  }
  private swap(a: number, b: number): void {
    for (const arr of [this.s, this.p, this.r, this.id]) {
      const t = arr[a];
      arr[a] = arr[b];
      arr[b] = t;
    }
  }
  push(score: number, left: number, right: number, id: number): void {
    this.s.push(score);
    this.p.push(left);
    this.r.push(right);
    this.id.push(id);
    let i = this.s.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }
  pop(): { left: number; right: number; id: number } {
    const top = { left: this.p[0], right: this.r[0], id: this.id[0] };
    const last = this.s.length - 1;
    this.swap(0, last);
    this.s.pop();
    this.p.pop();
    this.r.pop();
    this.id.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const rr = l + 1;
      let m = i;
      if (l < this.s.length && this.less(l, m)) m = l;
      if (rr < this.s.length && this.less(rr, m)) m = rr;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
}

/** Encode text as run.c does: [BOS]? + dummy-prefix " " (non-empty text) + code points/bytes, then BPE merges. */
export function encode(tok: Tokenizer, text: string, opts: { bos?: boolean; eos?: boolean } = {}): number[] {
  const bytes = UTF8_ENCODER.encode(text);
  const ids: number[] = [];
  if (bytes.length > 0) {
    const dummy = tok.lookup.get(' ');
    if (dummy !== undefined) ids.push(dummy);
  }
  // Split into UTF-8 code points (as run.c: a lead byte plus up to 3 continuation bytes).
  let i = 0;
  while (i < bytes.length) {
    let j = i + 1;
    while (j < bytes.length && (bytes[j] & 0xc0) === 0x80 && j - i < 4) j++;
    const key = latin1(bytes.subarray(i, j));
    const id = tok.lookup.get(key);
    if (id !== undefined) ids.push(id);
    else for (let b = i; b < j; b++) ids.push(bytes[b] + 3);
    i = j;
  }
  // BPE merges on a doubly linked list.
  const n = ids.length;
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  const alive = new Uint8Array(n).fill(1);
  for (let k = 0; k < n; k++) {
    next[k] = k + 1 < n ? k + 1 : -1;
    prev[k] = k - 1;
  }
  const heap = new MergeHeap();
  const tryPush = (a: number) => {
    const b = next[a];
    if (a < 0 || b < 0) return;
    const id = tok.lookup.get(tok.pieces[ids[a]] + tok.pieces[ids[b]]);
    if (id !== undefined) heap.push(tok.scores[id], a, b, ids[a] * 65536 + ids[b]);
  };
  for (let k = 0; k + 1 < n; k++) tryPush(k);
  while (heap.size > 0) {
    const { left, right, id } = heap.pop();
    // Stale if either node changed since the candidate was pushed.
    if (!alive[left] || !alive[right] || next[left] !== right || ids[left] * 65536 + ids[right] !== id) continue;
    ids[left] = tok.lookup.get(tok.pieces[ids[left]] + tok.pieces[ids[right]])!;
    alive[right] = 0;
    next[left] = next[right];
    if (next[right] >= 0) prev[next[right]] = left;
    tryPush(prev[left]);
    tryPush(left);
  }
  const out: number[] = [];
  if (opts.bos ?? true) out.push(tok.bosId);
  for (let k = n > 0 ? 0 : -1; k >= 0; k = next[k]) out.push(ids[k]);
  if (opts.eos) out.push(tok.eosId);
  return out;
}

/** Bytes of one token as run.c `decode(prev, token)` prints them. */
function pieceBytes(tok: Tokenizer, prev: number, id: number): Uint8Array {
  let p = tok.pieces[id];
  if (prev === tok.bosId && p.startsWith(' ')) p = p.slice(1);
  const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(p);
  if (m) return Uint8Array.of(parseInt(m[1], 16));
  return Uint8Array.from(p, (c) => c.charCodeAt(0));
}

/** Decode ids to text (BOS/EOS emit nothing; a leading space after BOS is dropped; byte tokens emit raw bytes). */
export function decode(tok: Tokenizer, ids: readonly number[]): string {
  const parts: Uint8Array[] = [];
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k];
    if (id < 0 || id >= tok.pieces.length) throw new RangeError(`token id ${id} outside vocabulary [0, ${tok.pieces.length})`);
    if (id === tok.bosId || id === tok.eosId) continue;
    parts.push(pieceBytes(tok, k > 0 ? ids[k - 1] : -1, id));
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return UTF8_DECODER.decode(all);
}

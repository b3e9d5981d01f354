// A user's own text as one stream (METHOD.md §7 protocol applies unchanged: ids = [BOS] + encode(text)).
// The file must be valid UTF-8 (a BOM is dropped) and hold some non-blank text.
import * as fs from 'fs';
import type { TextEncoder } from './corpusIds';

/** A named text: what `evaluate` and `calibrationWindows` accept besides a corpus name. */
export interface NamedText {
  /** Shown in reports (e.g. the file path). */
  name: string;
  text: string;
}

/** Read a UTF-8 text file; throws naming the file when it is missing, not UTF-8 or blank. */
export function readTextFile(file: string): NamedText {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`text file ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give the path of a UTF-8 text file`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new Error(`text file ${file}: not valid UTF-8; convert it first (e.g. iconv -t UTF-8)`);
  }
  if (text.trim() === '') throw new Error(`text file ${file}: holds no text; give a file with the text to evaluate or calibrate on`);
  return { name: file, text };
}

/** ids = [BOS] + encode(text) of a user's text. */
export function textIds(codec: TextEncoder, t: NamedText): number[] {
  return codec.encode(t.text, { bos: true });
}

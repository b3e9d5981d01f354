// The llama2.c tokenizer: the algorithm (parse, encode, decode; browser-safe) lives in tokenizerCore.ts,
// this file adds reading tokenizer.bin from disk.
import * as fs from 'fs';
import { ModelFormatError } from '../errors';
import { Tokenizer, parseTokenizer } from './tokenizerCore';

export * from './tokenizerCore';

export function loadTokenizer(file: string, vocabSize: number): Tokenizer {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new ModelFormatError(file, `cannot read: ${(e as Error).message}`);
  }
  return parseTokenizer(buf, vocabSize, file);
}

// Loading a llama2.c checkpoint from disk; the format itself (parseLlama2c, browser-safe) is llama2cFormat.ts.
import * as fs from 'fs';
import { ModelFormatError } from '../errors';
import { Model } from './model';
import { parseLlama2c } from './llama2cFormat';

export { parseLlama2c } from './llama2cFormat';

/** Load a llama2.c checkpoint file. */
export function loadLlama2c(file: string, name?: string): Model {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new ModelFormatError(file, `cannot read: ${(e as Error).message}`);
  }
  const { config, weights } = parseLlama2c(buf, file);
  return { config, weights, source: { name: name ?? file, path: file, format: 'llama2c' } };
}

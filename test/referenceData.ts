// The reference data directory for tests: the one the project itself would use (STRUCTPRUNE_DATA when set,
// else ../shared/datasets beside the checkout), so a data directory elsewhere is honoured by every test.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { resolveDataDir } from '../src/data/datadir';

export const REFERENCE_DATA = resolveDataDir();

/** `skip` value for tests that need `rel` (default: the directory itself) inside the reference data. */
export function needsReferenceData(rel = ''): false | string {
  const p = path.join(REFERENCE_DATA, rel);
  return existsSync(p) ? false : `no reference data at ${p} (set STRUCTPRUNE_DATA)`;
}

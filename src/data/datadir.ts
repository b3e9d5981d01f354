// Where data files live, and verified access to them.
//
// Data directory precedence: the `dataDir` option > env STRUCTPRUNE_DATA > `<project root>/../shared/datasets`
// when that folder exists > `<project root>/datasets`. The project root is the folder holding this
// package's package.json, found from this module's own location (never from the cwd), so the library
// behaves the same from a notebook, the REPL, the CLI or a test. Relative `dataDir` / STRUCTPRUNE_DATA
// values are resolved against the cwd, as a user typing them expects.
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { checkFile } from './checksum';
import { KnownFile, knownFile } from './registry';

/** Name of the environment variable that points at a data directory. */
export const DATA_ENV_VAR = 'STRUCTPRUNE_DATA';

/** Options shared by everything that reads the data directory. */
export interface DataDirOptions {
  /** Data directory (absolute, or relative to the cwd). Default: see the precedence above. */
  dataDir?: string;
  /** Environment to read STRUCTPRUNE_DATA from. Default: process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Project root used for the two defaults. Default: projectRoot(). Meant for tests. */
  projectRoot?: string;
}

/** Which rule chose the data directory. */
export type DataDirSource = 'option' | 'env' | 'shared' | 'local';

/** A resolved data directory and the rule that chose it. */
export interface DataDirInfo {
  /** Absolute path (it may not exist yet when source is 'local'). */
  dir: string;
  source: DataDirSource;
}

/**
 * The project root: the nearest folder at or above this module that holds a package.json.
 * Throws if none is found (a broken install).
 */
export function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`No package.json found at or above ${__dirname}: cannot locate the project root.`);
    dir = up;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Resolve the data directory and say which rule chose it (empty strings count as unset). */
export function locateDataDir(opts: DataDirOptions = {}): DataDirInfo {
  if (opts.dataDir) return { dir: path.resolve(opts.dataDir), source: 'option' };
  const fromEnv = (opts.env ?? process.env)[DATA_ENV_VAR];
  if (fromEnv) return { dir: path.resolve(fromEnv), source: 'env' };
  const root = opts.projectRoot ?? projectRoot();
  const shared = path.resolve(root, '..', 'shared', 'datasets');
  if (isDir(shared)) return { dir: shared, source: 'shared' };
  return { dir: path.resolve(root, 'datasets'), source: 'local' };
}

/** Absolute path of the data directory: option > STRUCTPRUNE_DATA > ../shared/datasets if present > ./datasets. */
export function resolveDataDir(opts: DataDirOptions = {}): string {
  return locateDataDir(opts).dir;
}

/** Absolute path of `relPath` ('/'-separated) inside the data directory, without any verification. */
export function dataPath(relPath: string, opts: DataDirOptions = {}): string {
  return path.join(resolveDataDir(opts), ...relPath.split('/'));
}

const SOURCE_WORDS: Record<DataDirSource, string> = {
  option: 'from the dataDir option',
  env: `from ${DATA_ENV_VAR}`,
  shared: 'default: ../shared/datasets',
  local: 'default: ./datasets',
};

/** A known data file is missing or does not match its registered size/sha256. */
export class DataFileError extends Error {
  override readonly name = 'DataFileError';
  /** 'missing': no such file; 'checksum': wrong size or sha256. */
  readonly kind: 'missing' | 'checksum';
  readonly id: string;
  /** Absolute path that was checked. */
  readonly file: string;
  readonly expectedBytes: number;
  readonly expectedSha256: string;
  readonly actualBytes?: number;
  /** Only when the size matched and the file was hashed. */
  readonly actualSha256?: string;
  readonly dataDir: string;
  readonly dataDirSource: DataDirSource;
  /** Canonical public source of the file. */
  readonly sourceUrl: string;

  constructor(args: { kind: 'missing' | 'checksum'; known: KnownFile; file: string; dataDir: DataDirInfo; actualBytes?: number; actualSha256?: string }) {
    const { kind, known, file, dataDir, actualBytes, actualSha256 } = args;
    const found = kind === 'missing' ? 'file not found' : actualSha256 !== undefined ? `sha256 ${actualSha256}` : `${actualBytes} bytes`;
    super(
      `${kind === 'missing' ? 'Missing' : 'Corrupt or altered'} data file ${known.path} (id '${known.id}').\n` +
        `  path: ${file}\n` +
        `  expected: ${known.bytes} bytes, sha256 ${known.sha256}; found: ${found}\n` +
        `  data directory: ${dataDir.dir} (${SOURCE_WORDS[dataDir.source]})\n` +
        `  fix: run \`structprune data fetch\` (downloads it from ${known.source.url} and verifies it),\n` +
        `       or set ${DATA_ENV_VAR} (or the dataDir option) to a folder that holds a good copy.`,
    );
    this.kind = kind;
    this.id = known.id;
    this.file = file;
    this.expectedBytes = known.bytes;
    this.expectedSha256 = known.sha256;
    this.actualBytes = actualBytes;
    this.actualSha256 = actualSha256;
    this.dataDir = dataDir.dir;
    this.dataDirSource = dataDir.source;
    this.sourceUrl = known.source.url;
  }
}

/** Options of dataFile. */
export interface DataFileOptions extends DataDirOptions {
  /** Check size + sha256 (default true). `false` only for tests on synthetic files. */
  verify?: boolean;
}

/**
 * Absolute path of a known data file (by id or registry path) after checking its size and sha256.
 * Verification is memoised per file identity within the process (see checksum.ts), so repeated calls
 * cost one stat. Throws DataFileError (missing / checksum) naming the file, the expected sha256, the data
 * directory and the fix; throws a UsageError for an unknown id.
 */
export async function dataFile(idOrPath: string, opts: DataFileOptions = {}): Promise<string> {
  const known = knownFile(idOrPath);
  const where = locateDataDir(opts);
  const file = path.join(where.dir, ...known.path.split('/'));
  if (opts.verify === false) return file;
  const check = await checkFile(file, known);
  if (check.ok) return file;
  throw new DataFileError({
    kind: check.reason === 'missing' ? 'missing' : 'checksum',
    known,
    file,
    dataDir: where,
    actualBytes: check.actualBytes,
    actualSha256: check.actualSha256,
  });
}

// Which host linear algebra runs: the system's OpenBLAS (BLAS + LAPACK, loaded through koffi, an npm FFI with
// prebuilt binaries: no compiler, no node-gyp) or the project's TypeScript implementations (the fallback).
//
// Selection: setBlas('auto'|'openblas'|'ts'), else env STRUCTPRUNE_BLAS (same values), else 'auto'.
//   auto      OpenBLAS when it loads, else TypeScript (silently; blasInfo().reason says why).
//   openblas  OpenBLAS or an error naming the library paths tried and the fix.
//   ts        TypeScript only (the reference path; slower by 5–10× at n ≥ 1024).
// Library: env STRUCTPRUNE_BLAS_LIB (a path to libopenblas.so), else the Debian/Ubuntu names
// (`scripts/setup-blas.sh` installs libopenblas0-pthread). OpenBLAS reads OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE
// and OPENBLAS_NUM_THREADS from the environment at load; this module never sets them (README: OpenBLAS
// misdetects some virtual CPUs as an old core; users who know their CPU set OPENBLAS_CORETYPE themselves).
// Threads: setBlas(mode, { threads }) or env STRUCTPRUNE_BLAS_THREADS call openblas_set_num_threads; unset, the
// library's own choice stands (OPENBLAS_NUM_THREADS, else all cores). On a busy machine (more runnable processes
// than cores) OpenBLAS's spinning threads collapse: eigh 1024 took 14–28 s wall with 2 threads against 2 s with
// 1 at load 17 on 2 cores; use 1 thread there (CI sets OPENBLAS_NUM_THREADS=1: its test files run two at a time).
import { bindLapack, Lapack } from './lapack';

export type BlasMode = 'auto' | 'openblas' | 'ts';

/** What {@link blasInfo} reports. */
export interface BlasInfo {
  /** The mode asked for (setBlas, else STRUCTPRUNE_BLAS, else 'auto'). */
  mode: BlasMode;
  /** What runs: 'openblas' or 'ts'. */
  active: 'openblas' | 'ts';
  /** The loaded library path (null for ts). */
  library: string | null;
  /** OpenBLAS's own report: its kernel core name and build configuration (null for ts). */
  corename: string | null;
  config: string | null;
  /** OpenBLAS threads (OPENBLAS_NUM_THREADS or the core count), null for ts. */
  threads: number | null;
  /** Why this path was chosen. */
  reason: string;
}

const MODES: readonly BlasMode[] = ['auto', 'openblas', 'ts'];

/** Library names tried in order when STRUCTPRUNE_BLAS_LIB is unset. */
export const BLAS_LIBRARY_CANDIDATES: readonly string[] = [
  'libopenblas.so.0',
  '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0',
  '/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0',
  'libopenblas.so',
  'libopenblas.dylib',
  '/opt/homebrew/opt/openblas/lib/libopenblas.dylib',
  '/usr/local/opt/openblas/lib/libopenblas.dylib',
];

interface State {
  info: BlasInfo;
  lib: Lapack | null;
}

let state: State | null = null;
const loaded = new Map<string, Lapack>(); // a library once loaded stays loaded (dlopen cannot be undone safely)

function parseMode(value: string, source: string): BlasMode {
  const v = value.trim().toLowerCase();
  if (!MODES.includes(v as BlasMode)) throw new Error(`${source}="${value}" is not one of ${MODES.join('|')}`);
  return v as BlasMode;
}

function tryLoad(): { lib: Lapack; path: string } | { errors: string[] } {
  const env = process.env.STRUCTPRUNE_BLAS_LIB;
  const paths = env ? [env] : BLAS_LIBRARY_CANDIDATES;
  const errors: string[] = [];
  for (const p of paths) {
    const cached = loaded.get(p);
    if (cached) return { lib: cached, path: p };
    try {
      const lib = bindLapack(p);
      loaded.set(p, lib);
      return { lib, path: p };
    } catch (e) {
      errors.push(`${p}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 160)}`);
    }
  }
  return { errors };
}

/** Options of {@link setBlas}. */
export interface BlasOptions {
  /** OpenBLAS threads (integer 1–256), process-wide. Default: env STRUCTPRUNE_BLAS_THREADS, else the library's choice. */
  threads?: number;
}

function parseThreads(v: number | string, source: string): number {
  const n = typeof v === 'number' ? v : Number(v.trim());
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`${source}=${JSON.stringify(v)} is not a thread count: use an integer from 1 to 256`);
  return n;
}

function resolve(mode: BlasMode, source: string, opts: BlasOptions = {}): State {
  const env = process.env.STRUCTPRUNE_BLAS_THREADS;
  const threads =
    opts.threads !== undefined ? parseThreads(opts.threads, 'setBlas({ threads })') : env ? parseThreads(env, 'STRUCTPRUNE_BLAS_THREADS') : undefined;
  if (mode === 'ts') {
    return { lib: null, info: { mode, active: 'ts', library: null, corename: null, config: null, threads: null, reason: `${source}: ts` } };
  }
  const r = tryLoad();
  if ('lib' in r) {
    if (threads !== undefined) r.lib.setThreads(threads);
    return {
      lib: r.lib,
      info: {
        mode,
        active: 'openblas',
        library: r.path,
        corename: r.lib.corename(),
        config: r.lib.config(),
        threads: r.lib.threads(),
        reason: `${source}: ${mode}`,
      },
    };
  }
  if (mode === 'openblas') {
    throw new Error(
      `BLAS mode 'openblas' (${source}) but no OpenBLAS library loaded (${r.errors.join('; ')}). ` +
        'Install it (Debian/Ubuntu: scripts/setup-blas.sh, i.e. apt-get install libopenblas0-pthread), set ' +
        "STRUCTPRUNE_BLAS_LIB to the library's path, or use mode 'ts'",
    );
  }
  return {
    lib: null,
    info: {
      mode,
      active: 'ts',
      library: null,
      corename: null,
      config: null,
      threads: null,
      reason: `${source}: auto, OpenBLAS not found (${r.errors[0] ?? ''})`,
    },
  };
}

function current(): State {
  if (!state) {
    const env = process.env.STRUCTPRUNE_BLAS;
    state = env ? resolve(parseMode(env, 'STRUCTPRUNE_BLAS'), 'STRUCTPRUNE_BLAS') : resolve('auto', 'default');
  }
  return state;
}

/**
 * Choose the host linear algebra for this process: 'auto' (OpenBLAS when found, else TypeScript),
 * 'openblas' (throws when it cannot be loaded), 'ts'. Returns what is now active. Takes effect for the next
 * call of every linalg function (eigh, cholesky, solves, gemm): results agree between paths to rounding.
 * `opts.threads` sets OpenBLAS's thread count for the process (see the header).
 */
export function setBlas(mode: BlasMode, opts: BlasOptions = {}): BlasInfo {
  state = resolve(parseMode(String(mode), 'setBlas'), 'setBlas', opts);
  return state.info;
}

/** Which host linear algebra is active (resolves STRUCTPRUNE_BLAS on first use). */
export function blasInfo(): BlasInfo {
  return current().info;
}

/** The OpenBLAS bindings when active, else null (callers then run their TypeScript path). */
export function lapack(): Lapack | null {
  return current().lib;
}

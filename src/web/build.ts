// Bundles the browser page (src/web/app.ts and the library modules it imports) with esbuild, in memory.
// The browser gets src/web/browserBackend.ts wherever the library imports src/backend.ts, declining twins of
// the native-library modules (src/web/shims/blas.ts, attentionFused.ts), and a two-line
// shim for node's `util` (only `inspect.custom`, the symbol the ADMM state's REPL hook uses). Any other
// node built-in imported by a project source reached from app.ts fails the build, naming the importer: the page must not depend on
// fs, path, child_process, ….
import * as path from 'path';
import { builtinModules } from 'module';
import type { Plugin } from 'esbuild';

const WEB_DIR = __dirname;
const SRC_DIR = path.resolve(WEB_DIR, '..');
const BUILTINS = new Set(builtinModules);

/** The esbuild plugin that swaps in the browser backend and refuses node built-ins. */
export function browserPlugin(): Plugin {
  return {
    name: 'structprune-browser',
    setup(build) {
      build.onResolve({ filter: /(^|\/)backend$/ }, (args) => {
        const target = path.resolve(args.resolveDir, args.path);
        if (target === path.join(SRC_DIR, 'backend')) return { path: path.join(WEB_DIR, 'browserBackend.ts') };
        return undefined;
      });
      // Native-library paths (OpenBLAS, the fused attention kernel; koffi) have browser twins that decline.
      build.onResolve({ filter: /(^|\/)(blas|attentionFused)$/ }, (args) => {
        const target = path.resolve(args.resolveDir, args.path);
        if (target === path.join(SRC_DIR, 'linalg', 'blas')) return { path: path.join(WEB_DIR, 'shims', 'blas.ts') };
        if (target === path.join(SRC_DIR, 'model', 'attentionFused')) return { path: path.join(WEB_DIR, 'shims', 'attentionFused.ts') };
        return undefined;
      });
      build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
        const name = args.path.replace(/^node:/, '');
        // Packages map built-ins away through their package.json "browser" field; our sources must not use them.
        if (!BUILTINS.has(name) || args.importer.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        if (name === 'util') return { path: path.join(WEB_DIR, 'shims', 'util.ts') };
        return {
          errors: [
            {
              text: `node built-in "${args.path}" imported by ${path.relative(SRC_DIR, args.importer) || args.importer} cannot run in the browser: keep node code out of the page's imports`,
            },
          ],
        };
      });
    },
  };
}

/** Build the page script; returns its JavaScript text. Throws with esbuild's messages on failure. */
export async function buildBrowserBundle(opts: { minify?: boolean } = {}): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [path.join(WEB_DIR, 'app.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    minify: opts.minify ?? true,
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [browserPlugin()],
  });
  return result.outputFiles[0].text;
}

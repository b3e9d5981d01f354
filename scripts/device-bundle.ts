// `npm run device:bundle [-- --out DIR]`: everything a GPU machine without network or npm needs to run the
// webgpu checks, in one ignored folder (default dist/device, ≤ 56 MiB):
//   node.xz            this Node binary (process.execPath), xz-compressed; device-check.sh unpacks it
//   structprune.js     one esbuild bundle of the CLI + the `device-check` steps (scripts/device/entry.ts)
//   dawn.node.xz       Dawn's Node bindings for linux-x64 (from the `webgpu` package), xz-compressed
//   tfjs-backend-wasm*.wasm   next to the bundle, where tfjs's wasm loader looks (__dirname)
//   data/              stories260K (model + tokenizer) and the TinyStories heads (val: perplexity; train: calibration)
//   debs/              libvulkan1 (the Vulkan loader) as a Debian package, unpacked there when the machine lacks it
//   device-check.sh    the check (run it from the folder)
// Needs xz, and the private apt lists of scripts/setup-webgpu.sh (run first when missing) for libvulkan1.
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';

const root = path.resolve(__dirname, '..');
const LIMIT_MIB = 56;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

function xz(src: string, dst: string): void {
  const out = fs.openSync(dst, 'w');
  try {
    execFileSync('xz', ['-c', '-6', '-T2', src], { stdio: ['ignore', out, 'inherit'] });
  } finally {
    fs.closeSync(out);
  }
}

function copy(src: string, dst: string): void {
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.copyFileSync(src, dst);
}

function sizeOf(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.size;
  return fs.readdirSync(p).reduce((s, f) => s + sizeOf(path.join(p, f)), 0);
}

async function main(): Promise<void> {
  const out = path.resolve(arg('out', path.join(root, 'dist', 'device')));
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const t0 = performance.now();

  // 1. the bundle

  const esbuild = require('esbuild') as typeof import('esbuild');
  await esbuild.build({
    entryPoints: [path.join(root, 'scripts', 'device', 'entry.ts')],
    outfile: path.join(out, 'structprune.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minifyWhitespace: true,
    legalComments: 'none',
    logLevel: 'warning',
    // optional peers the backend only probes for; never in the bundle
    external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
    plugins: [
      {
        // inside one bundle every module is the main one: disable the `require.main === module` entry blocks
        name: 'no-module-mains',
        setup(b) {
          b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (a) => ({
            contents: fs.readFileSync(a.path, 'utf8').replace(/require\.main === module/g, 'false'),
            loader: 'ts',
          }));
        },
      },
    ],
  });

  // 2. binaries
  xz(process.execPath, path.join(out, 'node.xz'));
  const dawn = path.join(path.dirname(require.resolve('webgpu/package.json')), 'dist', 'linux-x64', 'dawn.node');
  xz(dawn, path.join(out, 'dawn.node.xz'));
  const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  for (const f of fs.readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) copy(path.join(wasmDir, f), path.join(out, f));

  // 3. data
  const data = process.env.STRUCTPRUNE_DATA ? path.resolve(process.env.STRUCTPRUNE_DATA) : path.resolve(root, '..', 'shared', 'datasets');
  for (const f of [
    'stories260K/stories260K.bin',
    'stories260K/tok512.bin',
    'tinystories/tinystories_validation_head.txt',
    'tinystories/tinystories_train_head.txt',
  ]) {
    copy(path.join(data, f), path.join(out, 'data', f));
  }

  // 4. the Vulkan loader as a .deb (private apt of setup-webgpu.sh)
  const aptDir = path.join(root, '.webgpu', 'apt');
  if (!fs.existsSync(path.join(aptDir, 'sources.list'))) execFileSync('bash', [path.join(root, 'scripts', 'setup-webgpu.sh')], { stdio: 'inherit' });
  fs.mkdirSync(path.join(out, 'debs'));
  execFileSync(
    'apt-get',
    [
      '-q',
      '-o',
      'DPkg::Lock::Timeout=600',
      '-o',
      `Dir::Etc::SourceList=${aptDir}/sources.list`,
      '-o',
      `Dir::Etc::SourceParts=${aptDir}/parts`,
      '-o',
      `Dir::State::Lists=${aptDir}/lists`,
      '-o',
      `Dir::Cache=${aptDir}/cache`,
      'download',
      'libvulkan1',
    ],
    { cwd: path.join(out, 'debs'), stdio: ['ignore', 'ignore', 'inherit'] },
  );

  // 5. the check
  copy(path.join(root, 'scripts', 'device-check.sh'), path.join(out, 'device-check.sh'));
  fs.chmodSync(path.join(out, 'device-check.sh'), 0o755);

  const total = sizeOf(out);
  const mib = total / 2 ** 20;
  const parts = fs
    .readdirSync(out)
    .map((f) => `${f} ${(sizeOf(path.join(out, f)) / 2 ** 20).toFixed(1)}`)
    .join(', ');
  console.log(JSON.stringify({ out, totalMiB: Number(mib.toFixed(1)), limitMiB: LIMIT_MIB, seconds: Number(((performance.now() - t0) / 1000).toFixed(1)) }));
  console.log(`parts (MiB): ${parts}`);
  if (mib > LIMIT_MIB) throw new Error(`device bundle is ${mib.toFixed(1)} MiB, over the ${LIMIT_MIB} MiB limit`);
}

main().catch((e) => {
  console.error(`device:bundle: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});

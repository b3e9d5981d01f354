// Start the tslab kernel in the StructPrune-TS project root, whatever directory Jupyter started in.
// tslab resolves relative imports against its working directory and refuses files outside it ("not under
// rootDir"), so notebooks (in notebooks/) import the library as './src/index' from the project root.
// Layout: <root>/kernel/kernels/structprune-ts/start.js; tslab is the project's own devDependency.
'use strict';
const path = require('path');
const fs = require('fs');

const root = path.resolve(__dirname, '..', '..', '..');
const main = path.join(root, 'node_modules', 'tslab', 'dist', 'main.js');
if (!fs.existsSync(main)) {
  console.error(`structprune-ts kernel: ${main} not found; run \`npm install\` in ${root} (tslab is a devDependency)`);
  process.exit(1);
}
const connectionFile = process.argv[2];
if (!connectionFile) {
  console.error('structprune-ts kernel: usage: node start.js CONNECTION_FILE (Jupyter passes {connection_file})');
  process.exit(2);
}
process.chdir(root);
// The library runs under tsx like the CLI (bin/structprune.js): its CommonJS hook also loads the ES-module
// files some sources import from node_modules (e.g. tfjs-core's register_all_gradients), which plain
// require() cannot. tslab still compiles the notebook and the project's .ts files itself.
require(require.resolve('tsx/cjs', { paths: [root] }));
// tslab 1.0.22 watches the project's .ts files through TypeScript's file watchers; an edit to one while the
// kernel runs schedules a second rebuild timer and every later cell fails with "Unexpected pending
// rebuildTimer". Watch nothing instead: after editing the library, restart the kernel (as with Python).
const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [path.dirname(main)] }));
const noWatch = () => ({ close() {} });
ts.sys.watchFile = noWatch;
ts.sys.watchDirectory = noWatch;
require(main).startKernel({ configPath: connectionFile, enableFindLocal: false });

// Start the StructPrune-TS kernel (kernel/tslab: a fork of tslab 1.0.22's kernel, see kernel/README.md) in the
// project root, whatever directory Jupyter started in: relative imports ('./src/index') resolve against it,
// and the project's tsconfig.json sets the type-checking options of cells.
// Layout: <root>/kernel/kernels/structprune-ts/start.js.
'use strict';
const path = require('path');

const root = path.resolve(__dirname, '..', '..', '..');
const connectionFile = process.argv[2];
if (!connectionFile) {
  console.error('structprune-ts kernel: usage: node start.js CONNECTION_FILE (Jupyter passes {connection_file})');
  process.exit(2);
}
for (const dep of ['typescript', 'zeromq', 'tsx']) {
  try {
    require.resolve(dep, { paths: [root] });
  } catch {
    console.error(`structprune-ts kernel: ${dep} not found under ${root}/node_modules; run \`npm ci\` in ${root}`);
    process.exit(1);
  }
}
process.chdir(root);
// The library runs through Node's require with tsx's hook, as the CLI does (bin/structprune.js): .ts files
// load without a build, ES-module files in node_modules load too, and an edited library file is reloaded
// by the next cell (Node's require cache). The kernel type-checks cells and the library with TypeScript.
require(require.resolve('tsx/cjs', { paths: [root] }));
require(path.join(root, 'kernel', 'tslab', 'main.js')).startKernel({ configPath: connectionFile });

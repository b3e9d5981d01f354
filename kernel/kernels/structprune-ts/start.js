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
require(main).startKernel({ configPath: connectionFile, enableFindLocal: false });

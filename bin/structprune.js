#!/usr/bin/env node
// Runs the TypeScript sources through tsx (a runtime dependency), so `npx structprune` works right after
// `npm install` with no build step.
'use strict';
require('tsx/cjs');
const { main } = require('../src/cli/main.ts');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`structprune: ${e && e.message ? e.message : e}\n`);
    process.exitCode = 1;
  },
);

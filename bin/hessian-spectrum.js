#!/usr/bin/env node
// Entry point of the command-line interface; `npm run build` compiles the TypeScript sources to out/.
const { runCli } = require('../out/src/cli/main.js');

runCli(process.argv.slice(2)).then((exitCode) => {
  process.exitCode = exitCode;
});

#!/usr/bin/env node
// Entry point of the command-line interface; the TypeScript sources are built to out/ by `npm run build`.
require('../out/src/cli/main.js');

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Starts a product worker from wherever the engine runs: compiled JavaScript
 * (out/, where productWorker.js sits beside this file), a webpack bundle
 * (dist/, where the bundle productWorker.js sits beside the bundle that
 * contains this code) or the TypeScript sources under tsx (tests), where the
 * worker registers tsx itself before loading the .ts file.
 */
export function startProductWorker(): Worker {
  const script = path.join(__dirname, 'productWorker.js');
  if (fs.existsSync(script)) {
    return new Worker(script);
  }

  const source = path.join(__dirname, 'productWorker.ts');
  if (fs.existsSync(source)) {
    return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true });
  }
  throw new Error(`The product worker script was not found: neither ${script} nor ${source} exists. Rebuild the project.`);
}

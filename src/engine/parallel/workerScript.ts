import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Starts a product worker from wherever the engine runs. In compiled
 * JavaScript (out/) productWorker.js sits beside this file. In a webpack
 * bundle (dist/) the bundle productWorker.js sits beside the bundle that
 * contains this code. Under tsx (tests) the worker registers tsx itself
 * before it loads productWorker.ts.
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

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { COOPERATIVE_CANCEL_MS, WorkerJobRun } from '../../src/server/analysis/workerJob';

/**
 * WorkerJobRun with real worker threads. The worker scripts here are small
 * stand-ins for dist/worker.js, because the point is the thread handling
 * (messages, cancel flag, termination), not the analysis.
 */
describe('WorkerJobRun', function () {
  let folder: string;

  before(function () {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'hessian-worker-'));
  });

  after(function () {
    fs.rmSync(folder, { recursive: true, force: true });
  });

  function script(name: string, source: string): string {
    const file = path.join(folder, name);
    fs.writeFileSync(file, source);
    return file;
  }

  const spec = { kind: 'describeModel' as const, analysisId: 'test', modelPath: '/models/model.json' };

  it('delivers progress and the final message', async function () {
    const worker = script(
      'finishes.js',
      `const { parentPort } = require('node:worker_threads');
       parentPort.postMessage({ type: 'progress', event: { phase: 'loading', done: 1, total: 2 } });
       console.log('a notice on stdout');
       parentPort.postMessage({ type: 'modelFacts', facts: { format: 'tfjs-layers', loss: null } });`,
    );
    const progress: unknown[] = [];
    const output: string[] = [];

    const run = new WorkerJobRun(spec, { onProgress: (event) => progress.push(event), onOutput: (line) => output.push(line) }, worker);
    const outcome = await run.outcome;

    assert.deepEqual(outcome, { type: 'result', message: { type: 'modelFacts', facts: { format: 'tfjs-layers', loss: null } } });
    assert.deepEqual(progress, [{ phase: 'loading', done: 1, total: 2 }]);
    await waitFor(() => output.length > 0);
    assert.deepEqual(output, ['a notice on stdout']);
  });

  it('stops a busy worker through the shared flag', async function () {
    // The loop never yields to the event loop, as synchronous TensorFlow.js code does not.
    const worker = script(
      'cooperative.js',
      `const { parentPort, workerData } = require('node:worker_threads');
       const flag = new Int32Array(workerData.cancelFlag);
       parentPort.postMessage({ type: 'progress', event: { phase: 'eigenvalues', done: 0, total: 1 } });
       while (Atomics.load(flag, 0) === 0) {}
       parentPort.postMessage({ type: 'failed', error: { kind: 'cancelled', message: 'cancelled', file: null, problem: null, fix: null, stack: null } });`,
    );
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const run = new WorkerJobRun(spec, { onProgress: () => started() }, worker);
    await running;

    const before = performance.now();
    await run.cancel();
    const elapsed = performance.now() - before;

    assert.deepEqual(await run.outcome, { type: 'cancelled', terminated: false });
    assert.ok(elapsed < COOPERATIVE_CANCEL_MS, `cooperative cancel took ${elapsed.toFixed(0)} ms`);
  });

  it('terminates a worker that ignores the cancel', async function () {
    const worker = script(
      'stubborn.js',
      `const { parentPort } = require('node:worker_threads');
       parentPort.postMessage({ type: 'progress', event: { phase: 'trace', done: 0, total: 1 } });
       for (;;) {}`,
    );
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const run = new WorkerJobRun(spec, { onProgress: () => started() }, worker);
    await running;

    const before = performance.now();
    await run.cancel();
    const elapsed = performance.now() - before;

    assert.deepEqual(await run.outcome, { type: 'cancelled', terminated: true });
    assert.ok(elapsed >= COOPERATIVE_CANCEL_MS - 50, `terminated early, after ${elapsed.toFixed(0)} ms`);
    assert.ok(elapsed < COOPERATIVE_CANCEL_MS + 500, `terminated late, after ${elapsed.toFixed(0)} ms`);
  });

  it('fails when the worker exits without a result', async function () {
    const worker = script('exits.js', `process.exit(3);`);

    const outcome = await new WorkerJobRun(spec, {}, worker).outcome;

    assert.equal(outcome.type, 'failed');
    assert.match(outcome.type === 'failed' ? outcome.error.message : '', /exited with code 3 before it sent a result/);
  });

  it('fails when the worker throws', async function () {
    const worker = script('throws.js', `throw new Error('broken worker');`);

    const outcome = await new WorkerJobRun(spec, {}, worker).outcome;

    assert.equal(outcome.type, 'failed');
    assert.match(outcome.type === 'failed' ? outcome.error.message : '', /broken worker/);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

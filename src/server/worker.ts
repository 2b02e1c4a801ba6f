/**
 * Entry point of an analysis worker thread. The language server starts one
 * worker per job (see analysis/workerJob.ts), so TensorFlow.js and the
 * Hessian-vector products never block the server's event loop. The worker
 * posts progress, partial reports and one final message, then the server
 * terminates it.
 */

import { parentPort, workerData } from 'node:worker_threads';

import { analyzeModel } from '../engine/analyze';
import { defaultWasmBinaryFolder, missingWasmBinaries, setWasmBinaryFolder } from '../engine/tfjs/backend';
import { describeModelFacts } from './analysis/modelFacts';
import { serializeError, type WorkerJob, type WorkerToServerMessage } from './analysis/workerMessages';

async function runJob(job: WorkerJob, signal: AbortSignal): Promise<WorkerToServerMessage> {
  if (job.kind === 'describeModel') {
    return { type: 'modelFacts', facts: await describeModelFacts(job.modelPath) };
  }

  const report = await analyzeModel(job.request, {
    signal,
    onProgress: (event) => post({ type: 'progress', event }),
    onPartialReport: (partial) => post({ type: 'partial', partial }),
  });
  return { type: 'report', report };
}

/**
 * Creates an AbortSignal whose `aborted` reads the shared cancel flag. The
 * engine checks `signal.aborted` between Hessian-vector products. No abort event
 * is dispatched, because the worker's event loop may be busy when the flag is set.
 */
function cancelSignal(flag: Int32Array): AbortSignal {
  const signal = new AbortController().signal;
  Object.defineProperty(signal, 'aborted', { get: () => Atomics.load(flag, 0) === 1 });
  return signal;
}

function post(message: WorkerToServerMessage): void {
  parentPort?.postMessage(message);
}

function main(): void {
  if (parentPort === null) {
    throw new Error('worker.js runs only as a worker thread of the Hessian Spectrum language server.');
  }

  // Inside the bundle the wasm binaries sit beside dist/worker.js (webpack copies
  // them there); run from the sources, they are in the installed package. The
  // bundle is checked first: in a development bundle, require.resolve returns
  // the module id "node_modules/@tensorflow/…", a relative path that
  // defaultWasmBinaryFolder takes for the package's folder.
  setWasmBinaryFolder(missingWasmBinaries(__dirname).length === 0 ? __dirname : (defaultWasmBinaryFolder() ?? __dirname));

  const job = workerData as WorkerJob;
  runJob(job, cancelSignal(new Int32Array(job.cancelFlag))).then(
    (result) => post(result),
    (error: unknown) => post({ type: 'failed', error: serializeError(error) }),
  );
}

main();

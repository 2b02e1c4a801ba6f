import { parentPort } from 'node:worker_threads';

import { InputError, UsageError } from '../errors';
import { createLossProblem } from '../hvp/lossProblem';
import { LocalProductSource } from '../hvp/localProductSource';
import { loadModel, selectOutput } from '../models/loadModel';
import { installGradientFixes, selectBackend, setWasmBinaryFolder } from '../tfjs';
import type { WorkerFailure, WorkerRequest, WorkerResponse, WorkerResult, WorkerSetup } from './workerMessages';

/**
 * Entry point of a product worker: a thread with its own TensorFlow.js
 * backend, a copy of the model and a share of the samples. It handles one
 * request at a time, in order.
 */

let source: LocalProductSource | null = null;

async function setUp(setup: WorkerSetup): Promise<WorkerResult> {
  if (setup.wasmFolder !== null) {
    setWasmBinaryFolder(setup.wasmFolder);
  }
  await selectBackend(setup.backend);
  installGradientFixes();

  const loaded = await loadModel(setup.modelPath);
  const selected = selectOutput(loaded, setup.outputIndex);
  const problem = createLossProblem(
    selected.model,
    setup.loss,
    { inputs: setup.inputs, inputShape: setup.inputShape, targets: setup.targets, targetShape: setup.targetShape },
    setup.batchSize,
  );
  source = new LocalProductSource(problem);
  return { size: source.size };
}

async function handle(request: WorkerRequest): Promise<WorkerResult> {
  if (request.kind === 'setup') {
    return setUp(request.setup);
  }
  if (source === null) {
    throw new Error(`The product worker received '${request.kind}' before its setup.`);
  }
  switch (request.kind) {
    case 'exactHvp':
      return { vector: await source.exactHvp(request.vector) };
    case 'exactBlockHvp':
      return { vector: await source.exactBlockHvp(request.blockIndex, request.vector) };
    case 'gradient': {
      const { loss, gradient } = await source.gradient();
      return { loss, vector: gradient };
    }
    case 'evaluate':
      return source.evaluate();
    case 'loss':
      return { loss: await source.loss() };
    case 'readParameters':
      return { vector: await source.readParameters() };
    case 'writeParameters':
      await source.writeParameters(request.values);
      return {};
  }
}

function describeFailure(error: unknown): WorkerFailure {
  if (error instanceof InputError) {
    return { name: error.name, message: error.message, file: error.file, problem: error.problem, fix: error.fix };
  }
  if (error instanceof Error) {
    return { name: error.name, message: error instanceof UsageError ? error.message : error.stack ?? error.message };
  }
  return { name: 'Error', message: String(error) };
}

function transferList(result: WorkerResult): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  if (result.vector) {
    buffers.push(result.vector.buffer as ArrayBuffer);
  }
  if (result.predictions) {
    buffers.push(result.predictions.buffer as ArrayBuffer);
  }
  return buffers;
}

// Requests are handled strictly one after another, because they share the
// model's variables: writeParameters changes the next product's result.
let queue: Promise<void> = Promise.resolve();
parentPort?.on('message', (request: WorkerRequest) => {
  queue = queue.then(async () => {
    let response: WorkerResponse;
    try {
      const result = await handle(request);
      response = { id: request.id, ok: true, result };
      parentPort?.postMessage(response, transferList(result));
    } catch (error) {
      response = { id: request.id, ok: false, error: describeFailure(error) };
      parentPort?.postMessage(response);
    }
  });
});

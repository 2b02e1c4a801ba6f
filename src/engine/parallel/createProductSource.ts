import * as os from 'node:os';

import type { BackendPreference } from '../api';
import { createLossProblem, type ProblemData } from '../hvp/lossProblem';
import { LocalProductSource } from '../hvp/localProductSource';
import type { ProductSource } from '../hvp/productSource';
import type { LossName } from '../report';
import type * as tf from '@tensorflow/tfjs';
import { configuredWasmBinaryFolder } from '../tfjs';
import { WorkerProductSource } from './workerProductSource';

/** Backend preference that makes a worker run the backend this thread runs. */
const PREFERENCE_OF_BACKEND: Record<string, Exclude<BackendPreference, 'auto'>> = {
  tensorflow: 'node',
  wasm: 'wasm',
  cpu: 'cpu',
};

export interface ProductSourceOptions {
  /** Requested worker threads; 0 means one per CPU core. */
  workers: number;
  batchSize: number;
  /** Name of the active backend, as selectBackend returned it. */
  backend: string;
  modelPath: string;
  outputIndex: number;
  loss: LossName;
}

/**
 * Resolves the worker count: 0 becomes the number of CPU cores, and there are
 * never more workers than cores (extra threads only add copies of the model)
 * or samples. Returns a note when a requested count was lowered.
 */
export function resolveWorkerCount(requested: number, samples: number): { count: number; note: string | null } {
  const cores = os.availableParallelism();
  const wanted = requested > 0 ? requested : cores;
  const count = Math.max(1, Math.min(wanted, cores, samples));
  const note =
    requested > count
      ? `${requested} workers were requested; ${count} ran, because ${requested > cores ? `the machine has ${cores} CPU cores` : `there are ${samples} samples`}.`
      : null;
  return { count, note };
}

/**
 * Creates the source of the analysis's products: the current thread for one
 * worker, else a pool of worker threads that each load the model again and
 * hold a share of the samples.
 */
export async function createProductSource(
  model: tf.LayersModel,
  data: ProblemData,
  options: ProductSourceOptions,
): Promise<{ source: ProductSource; note: string | null }> {
  const { count, note } = resolveWorkerCount(options.workers, data.inputShape[0]);
  if (count === 1) {
    return { source: new LocalProductSource(createLossProblem(model, options.loss, data, options.batchSize)), note };
  }

  const source = await WorkerProductSource.start(
    count,
    {
      modelPath: options.modelPath,
      outputIndex: options.outputIndex,
      loss: options.loss,
      backend: PREFERENCE_OF_BACKEND[options.backend] ?? 'cpu',
      wasmFolder: configuredWasmBinaryFolder(),
      batchSize: options.batchSize,
    },
    data,
  );
  return { source, note };
}

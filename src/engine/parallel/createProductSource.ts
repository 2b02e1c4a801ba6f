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

/** Resolves the worker count: 0 becomes the number of CPU cores, and there are never more workers than samples. */
export function resolveWorkerCount(requested: number, samples: number): number {
  const wanted = requested > 0 ? requested : os.availableParallelism();
  return Math.max(1, Math.min(wanted, samples));
}

/**
 * Creates the source of the analysis's products: the current thread for one
 * worker, else a pool of worker threads that each load the model again and
 * hold a share of the samples.
 */
export async function createProductSource(model: tf.LayersModel, data: ProblemData, options: ProductSourceOptions): Promise<ProductSource> {
  const workers = resolveWorkerCount(options.workers, data.inputShape[0]);
  if (workers === 1) {
    return new LocalProductSource(createLossProblem(model, options.loss, data, options.batchSize));
  }

  return WorkerProductSource.start(
    workers,
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
}

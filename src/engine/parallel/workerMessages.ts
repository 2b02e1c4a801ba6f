import type { BackendPreference } from '../api';
import type { LossName } from '../report';

/**
 * Messages between the analysis and its product workers. Each request carries
 * an id that its response repeats. Vectors travel as transferred buffers.
 */

/** Setup of a worker: the model, the backend and its share of the samples. */
export interface WorkerSetup {
  modelPath: string;
  outputIndex: number;
  loss: LossName;
  /** Backend the analysis runs on; the worker must use the same one. */
  backend: Exclude<BackendPreference, 'auto'>;
  /** Folder of the wasm binaries when the engine runs from a bundle, else null. */
  wasmFolder: string | null;
  batchSize: number;
  inputs: Float32Array;
  inputShape: number[];
  targets: Float32Array;
  targetShape: number[];
}

export type WorkerRequest =
  | { id: number; kind: 'setup'; setup: WorkerSetup }
  | { id: number; kind: 'exactHvp'; vector: Float64Array }
  | { id: number; kind: 'exactBlockHvp'; blockIndex: number; vector: Float64Array }
  | { id: number; kind: 'gradient' }
  | { id: number; kind: 'evaluate' }
  | { id: number; kind: 'loss' }
  | { id: number; kind: 'readParameters' }
  | { id: number; kind: 'writeParameters'; values: Float64Array };

/** Result of a request: vectors come back as Float64Array (products, gradients) or Float32Array (predictions). */
export interface WorkerResult {
  size?: number;
  loss?: number;
  vector?: Float64Array;
  predictions?: Float32Array;
}

/** A failure, carried across the thread boundary with the fields of an InputError or UsageError. */
export interface WorkerFailure {
  name: string;
  message: string;
  file?: string;
  problem?: string;
  fix?: string;
}

export type WorkerResponse = { id: number; ok: true; result: WorkerResult } | { id: number; ok: false; error: WorkerFailure };

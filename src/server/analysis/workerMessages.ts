/**
 * Messages between the language server and an analysis worker thread
 * (src/server/worker.ts). They cross `postMessage`, so they hold plain data:
 * an error travels as a `SerializedError`, never as an Error object.
 */

import type { AnalysisRequest, PartialReport } from '../../engine/api';
import { CancelledError, InputError, UsageError } from '../../engine/errors';
import type { LossName, ModelFormat, ProgressEvent, Report } from '../../engine/report';

/** The job a worker runs, without its cancel flag. */
export type WorkerJobSpec =
  | { kind: 'analyze'; analysisId: string; request: AnalysisRequest }
  | { kind: 'describeModel'; analysisId: string; modelPath: string };

/**
 * The job as the worker receives it in `workerData`. `cancelFlag` is shared
 * memory (one Int32) that the server sets to 1 to cancel: the analysis runs
 * synchronous TensorFlow.js code for long stretches, during which the worker
 * does not receive messages, but it can read shared memory at any time.
 */
export type WorkerJob = WorkerJobSpec & { cancelFlag: SharedArrayBuffer };

/** Facts the loaded model records, for the dataset-linking dialogue. */
export interface ModelFacts {
  format: ModelFormat;
  loss: LossName | null;
}

export interface SerializedError {
  kind: 'input' | 'usage' | 'cancelled' | 'internal';
  message: string;
  /** InputError only. */
  file: string | null;
  problem: string | null;
  fix: string | null;
  stack: string | null;
}

export type WorkerToServerMessage =
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'partial'; partial: PartialReport }
  | { type: 'report'; report: Report }
  | { type: 'modelFacts'; facts: ModelFacts }
  | { type: 'failed'; error: SerializedError };


export function serializeError(error: unknown): SerializedError {
  if (error instanceof InputError) {
    return { kind: 'input', message: error.message, file: error.file, problem: error.problem, fix: error.fix, stack: error.stack ?? null };
  }
  if (error instanceof UsageError) {
    return { kind: 'usage', message: error.message, file: null, problem: null, fix: null, stack: error.stack ?? null };
  }
  if (error instanceof CancelledError) {
    return { kind: 'cancelled', message: error.message, file: null, problem: null, fix: null, stack: null };
  }
  const message = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? (error.stack ?? null) : null;
  return { kind: 'internal', message, file: null, problem: null, fix: null, stack };
}

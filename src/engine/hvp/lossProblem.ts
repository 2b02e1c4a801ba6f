import * as tf from '@tensorflow/tfjs';

import { computeLoss } from '../losses';
import type { LossName } from '../report';
import { layoutParameters, type ParameterLayout } from './parameters';

/**
 * The function whose Hessian the engine takes: the mean loss of a
 * single-output model over a fixed set of samples, as a function of the
 * trainable parameters, evaluated in inference mode.
 */

/** A slice of the samples, kept on the backend for the whole analysis. */
export interface Batch {
  inputs: tf.Tensor;
  targets: tf.Tensor;
  /** Samples in this batch. */
  size: number;
}

export interface LossProblem {
  model: tf.LayersModel;
  loss: LossName;
  layout: ParameterLayout;
  batches: Batch[];
  /** Total samples over all batches. */
  samples: number;
}

/** Arrays the problem is built from, row-major. */
export interface ProblemData {
  inputs: Float32Array;
  /** [samples, ...input dimensions], matching the model's input. */
  inputShape: number[];
  targets: Float32Array;
  /** [samples, ...output dimensions], matching the model's output. */
  targetShape: number[];
}

/**
 * Creates the problem, uploading the samples in batches of `batchSize`. The
 * batch size bounds memory only: the mean over all samples is the same.
 * Dispose the problem with `disposeProblem` to free the batches.
 */
export function createLossProblem(
  model: tf.LayersModel,
  loss: LossName,
  data: ProblemData,
  batchSize: number,
): LossProblem {
  const samples = data.inputShape[0];
  const inputRow = rowSize(data.inputShape);
  const targetRow = rowSize(data.targetShape);
  const batches: Batch[] = [];

  for (let start = 0; start < samples; start += batchSize) {
    const size = Math.min(batchSize, samples - start);
    batches.push({
      inputs: tf.tensor(
        data.inputs.subarray(start * inputRow, (start + size) * inputRow),
        [size, ...data.inputShape.slice(1)],
        'float32',
      ),
      targets: tf.tensor(
        data.targets.subarray(start * targetRow, (start + size) * targetRow),
        [size, ...data.targetShape.slice(1)],
        'float32',
      ),
      size,
    });
  }

  return { model, loss, layout: layoutParameters(model), batches, samples };
}

/** Frees the batches' tensors; the model stays. */
export function disposeProblem(problem: LossProblem): void {
  for (const batch of problem.batches) {
    batch.inputs.dispose();
    batch.targets.dispose();
  }
}

/** Mean loss of one batch, as a scalar tensor on the tape when a gradient is being recorded. */
export function batchLoss(problem: LossProblem, batch: Batch): tf.Scalar {
  const predictions = problem.model.apply(batch.inputs, { training: false }) as tf.Tensor;
  return computeLoss(problem.loss, predictions, batch.targets);
}

/** Weight of a batch in the mean over all samples. */
export function batchWeight(problem: LossProblem, batch: Batch): number {
  return batch.size / problem.samples;
}

function rowSize(shape: number[]): number {
  return shape.slice(1).reduce((product, dimension) => product * dimension, 1);
}

import * as tf from '@tensorflow/tfjs';

import { computeLoss } from '../losses';
import type { LossProblem } from './lossProblem';

/** Mean loss and the model's predictions over all samples of a problem, by forward passes only. */
export async function evaluateProblem(problem: LossProblem): Promise<{ loss: number; predictions: Float32Array }> {
  const parts: Float32Array[] = [];
  let loss = 0;

  for (const batch of problem.batches) {
    const [batchLoss, predictions] = tf.tidy(() => {
      const output = problem.model.apply(batch.inputs, { training: false }) as tf.Tensor;
      return [tf.mul(computeLoss(problem.loss, output, batch.targets), batch.size / problem.samples), output];
    });
    loss += (await batchLoss.data())[0];
    parts.push((await predictions.data()) as Float32Array);
    batchLoss.dispose();
    predictions.dispose();
  }

  const total = parts.reduce((length, part) => length + part.length, 0);
  const predictions = new Float32Array(total);
  let offset = 0;
  for (const part of parts) {
    predictions.set(part, offset);
    offset += part.length;
  }
  return { loss, predictions };
}

/** Mean loss over all samples; used for the loss slice, where predictions are not needed. */
export async function evaluateLoss(problem: LossProblem): Promise<number> {
  let loss = 0;
  for (const batch of problem.batches) {
    const batchLoss = tf.tidy(() => {
      const output = problem.model.apply(batch.inputs, { training: false }) as tf.Tensor;
      return tf.mul(computeLoss(problem.loss, output, batch.targets), batch.size / problem.samples);
    });
    loss += (await batchLoss.data())[0];
    batchLoss.dispose();
  }
  return loss;
}

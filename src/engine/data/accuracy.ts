import { isClassificationLoss } from '../losses';
import type { LossName } from '../report';

export interface Accuracy {
  /** Share of correct predictions, in [0, 1]. */
  accuracy: number;
  /** Accuracy of guessing: 1/k for the categorical losses, 0.5 for binary cross-entropy. */
  chanceAccuracy: number;
}

/**
 * Computes the accuracy of a classifier on targets built by `fitDataset`.
 * Categorical losses compare the argmax of each prediction row with the argmax
 * of its one-hot target row. Binary cross-entropy compares every output unit
 * thresholded at 0.5 with its target thresholded at 0.5, as Keras's
 * binary_accuracy does for 0/1 targets. A row with a NaN prediction counts as wrong.
 *
 * @param predictions Model outputs, row-major [samples, k].
 * @param targets Targets of the same shape.
 * @param sampleCount Number of rows.
 * @returns null for regression losses.
 * @throws RangeError when the arrays' lengths differ or are not a multiple of `sampleCount`.
 */
export function computeAccuracy(predictions: Float32Array, targets: Float32Array, sampleCount: number, loss: LossName): Accuracy | null {
  if (!isClassificationLoss(loss)) {
    return null;
  }
  if (predictions.length !== targets.length || sampleCount <= 0 || predictions.length % sampleCount !== 0) {
    throw new RangeError(`computeAccuracy: ${predictions.length} predictions and ${targets.length} targets do not form ${sampleCount} equal rows`);
  }

  const units = predictions.length / sampleCount;
  if (loss === 'binary_crossentropy') {
    let correct = 0;
    for (let i = 0; i < predictions.length; i++) {
      if (!Number.isNaN(predictions[i]) && predictions[i] > 0.5 === targets[i] >= 0.5) {
        correct++;
      }
    }
    return { accuracy: correct / predictions.length, chanceAccuracy: 0.5 };
  }

  let correct = 0;
  for (let sample = 0; sample < sampleCount; sample++) {
    const start = sample * units;
    const predicted = argmax(predictions, start, units);
    if (predicted >= 0 && predicted === argmax(targets, start, units)) {
      correct++;
    }
  }
  return { accuracy: correct / sampleCount, chanceAccuracy: 1 / units };
}

/** Index of the largest of `values[start .. start + length)`, the first on ties; −1 when any is NaN. */
function argmax(values: Float32Array, start: number, length: number): number {
  let best = 0;
  for (let i = 0; i < length; i++) {
    const value = values[start + i];
    if (Number.isNaN(value)) {
      return -1;
    }
    if (value > values[start + best]) {
      best = i;
    }
  }
  return best;
}

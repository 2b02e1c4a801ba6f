import * as tf from '@tensorflow/tfjs';

import type { LossName } from './report';

/**
 * Loss functions as Keras defines them, written with TensorFlow.js ops that
 * have exact second derivatives once the engine's gradient fixes are installed.
 * Each returns the mean loss over the batch as a scalar.
 *
 * `predictions` is the model output [batch, ...]; `targets` has the same shape
 * (one-hot rows for the categorical losses, see `targetsFor` in the data module).
 */

/** Keras's epsilon, which clips probabilities away from 0 and 1 before a logarithm. */
export const KERAS_EPSILON = 1e-7;

export const LOSS_NAMES: readonly LossName[] = [
  'categorical_crossentropy',
  'sparse_categorical_crossentropy',
  'binary_crossentropy',
  'mean_squared_error',
  'mean_absolute_error',
];

const LOSS_ALIASES: Record<string, LossName> = {
  categoricalcrossentropy: 'categorical_crossentropy',
  sparsecategoricalcrossentropy: 'sparse_categorical_crossentropy',
  binarycrossentropy: 'binary_crossentropy',
  meansquarederror: 'mean_squared_error',
  mse: 'mean_squared_error',
  meanabsoluteerror: 'mean_absolute_error',
  mae: 'mean_absolute_error',
};

/**
 * Maps a loss as Keras, tf.keras or TensorFlow.js write it (`mse`,
 * `categoricalCrossentropy`, `SparseCategoricalCrossentropy`, a Keras 3
 * `{class_name, config}` object) to its canonical name, or null when unknown.
 */
export function normalizeLossName(raw: unknown): LossName | null {
  if (raw !== null && typeof raw === 'object' && 'class_name' in raw) {
    return normalizeLossName((raw as { class_name: unknown }).class_name);
  }
  if (typeof raw !== 'string') {
    return null;
  }
  const key = raw.replace(/^.*\./, '').replace(/[_\s-]/g, '').toLowerCase();
  // An own-property check, so that "constructor" or "toString" from a file is no loss.
  return Object.hasOwn(LOSS_ALIASES, key) ? LOSS_ALIASES[key] : null;
}

/** True for the losses whose targets are classes, so accuracy is meaningful. */
export function isClassificationLoss(loss: LossName): boolean {
  return loss !== 'mean_squared_error' && loss !== 'mean_absolute_error';
}

/** Computes the mean loss over the batch; `targets` must have the shape of `predictions`. */
export function computeLoss(loss: LossName, predictions: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    switch (loss) {
      case 'categorical_crossentropy':
      case 'sparse_categorical_crossentropy':
        return categoricalCrossentropy(predictions, targets);
      case 'binary_crossentropy':
        return binaryCrossentropy(predictions, targets);
      case 'mean_squared_error':
        return tf.mean(tf.square(tf.sub(predictions, targets)));
      case 'mean_absolute_error':
        return tf.mean(tf.abs(tf.sub(predictions, targets)));
    }
  });
}

// Keras normalizes the rows to sum 1 before the clip, so a model whose last
// layer is not a softmax still gets a cross-entropy of a distribution.
function categoricalCrossentropy(probabilities: tf.Tensor, oneHot: tf.Tensor): tf.Scalar {
  const lastAxis = probabilities.rank - 1;
  const normalized = tf.div(probabilities, tf.sum(probabilities, lastAxis, true));
  const clipped = tf.clipByValue(normalized, KERAS_EPSILON, 1 - KERAS_EPSILON);
  const perSample = tf.neg(tf.sum(tf.mul(oneHot, tf.log(clipped)), lastAxis));
  return tf.mean(perSample);
}

function binaryCrossentropy(probabilities: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  const clipped = tf.clipByValue(probabilities, KERAS_EPSILON, 1 - KERAS_EPSILON);
  const positive = tf.mul(targets, tf.log(tf.add(clipped, KERAS_EPSILON)));
  const negative = tf.mul(tf.sub(1, targets), tf.log(tf.add(tf.sub(1, clipped), KERAS_EPSILON)));
  return tf.mean(tf.neg(tf.add(positive, negative)));
}

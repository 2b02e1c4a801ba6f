import { InputError } from '../errors';
import type { LossName } from '../report';
import { formatShape, listNames } from './formatting';
import { elementCount, matchSampleShape, sameShape } from './sampleShape';

/**
 * Conversion of labels into the targets a loss needs, with the model output's
 * shape [batch, ...output]:
 * - categorical and sparse categorical cross-entropy: one-hot rows [n, k], from
 *   class indices [n] or [n, 1], or from one-hot rows [n, k]. The engine computes
 *   sparse categorical cross-entropy as categorical cross-entropy on one-hot rows.
 * - binary cross-entropy: values in [0, 1] shaped like the output ([n, 1] or
 *   [n, k]); class indices [n] for an output of k > 1 units become one-hot rows.
 * - mean squared and mean absolute error: values shaped like the output, up to
 *   dimensions of size 1.
 */

/** Plan for turning labels into targets, decided once for all samples. */
export interface TargetPlan {
  /** Shape of one target row, for instance [10]. */
  rowShape: number[];
  /** Number of classes: k for the categorical losses, 2 for binary cross-entropy, null for regression. */
  numClasses: number | null;
  /** Labels are class indices to expand to one-hot rows of `rowShape[0]` entries. */
  oneHotFromIndices: boolean;
  /** A sentence for the report when the labels were converted or reshaped. */
  note: string | null;
}

/** Labels with their shape and origin, as the Dataset gives them. */
export interface Labels {
  values: Float32Array;
  /** [samples, ...]. */
  shape: number[];
  /** File named in errors. */
  file: string;
  /** Class names when the labels were text; `values` are indices into them. */
  classNames: string[] | null;
}

/**
 * Checks every label against the loss and the model output and decides how to
 * build targets. All labels are checked, not only the sampled ones, so an error
 * does not depend on the seed.
 *
 * @param outputShape The model output's shape including the batch dimension, for instance [null, 10].
 * @throws InputError naming the labels file for labels that do not fit. These are
 *   a wrong shape (both shapes named), a class index that is not an integer or not
 *   below the output size, a row that is not one-hot, and a binary target outside [0, 1].
 */
export function planTargets(labels: Labels, loss: LossName, outputShape: readonly (number | null)[]): TargetPlan {
  const outputRow = outputShape.slice(1);
  switch (loss) {
    case 'categorical_crossentropy':
    case 'sparse_categorical_crossentropy':
      return planCategorical(labels, loss, outputShape, outputRow);
    case 'binary_crossentropy':
      return planBinary(labels, outputShape, outputRow);
    case 'mean_squared_error':
    case 'mean_absolute_error':
      return planRegression(labels, loss, outputShape, outputRow);
  }
}

/**
 * Builds the targets of the chosen samples.
 *
 * @param indices Rows of `labels` to use, in order.
 * @returns Row-major targets of shape [indices.length, ...plan.rowShape].
 */
export function buildTargets(labels: Labels, plan: TargetPlan, indices: readonly number[]): Float32Array {
  const rowSize = elementCount(plan.rowShape);
  const targets = new Float32Array(indices.length * rowSize);

  indices.forEach((sample, row) => {
    if (plan.oneHotFromIndices) {
      targets[row * rowSize + labels.values[sample]] = 1;
    } else {
      targets.set(labels.values.subarray(sample * rowSize, (sample + 1) * rowSize), row * rowSize);
    }
  });
  return targets;
}

function planCategorical(labels: Labels, loss: LossName, outputShape: readonly (number | null)[], outputRow: (number | null)[]): TargetPlan {
  const units = outputUnits(outputRow);
  if (units === null) {
    throw new InputError(
      labels.file,
      `the loss ${loss} needs a model output of shape [batch, classes], but the output has shape ${formatShape(outputShape)}`,
      'Pick the classifier output of the model (--output), or a loss that fits this output',
    );
  }
  if (units < 2) {
    throw new InputError(
      labels.file,
      `the loss ${loss} needs at least 2 output units, but the model output has shape ${formatShape(outputShape)}, and a categorical cross-entropy over one class is always 0`,
      'Use binary_crossentropy for a model with one sigmoid output',
    );
  }
  checkClassNames(labels, units);

  const labelRow = labels.shape.slice(1);
  if (elementCount(labelRow) === 1) {
    checkClassIndices(labels, units);
    return { rowShape: [units], numClasses: units, oneHotFromIndices: true, note: `Class indices converted to one-hot rows of ${units} classes.` };
  }
  if (labelRow.length === 1 && labelRow[0] === units) {
    checkOneHotRows(labels, units);
    return { rowShape: [units], numClasses: units, oneHotFromIndices: false, note: null };
  }
  throw new InputError(
    labels.file,
    `the labels have shape ${formatShape(labels.shape)} and the model output has shape ${formatShape(outputShape)}, ` +
      `but the loss ${loss} needs class indices of shape [samples] or one-hot rows of shape [samples, ${units}]`,
    'Give one class index or one one-hot row per sample',
  );
}

function planBinary(labels: Labels, outputShape: readonly (number | null)[], outputRow: (number | null)[]): TargetPlan {
  const units = outputUnits(outputRow);
  const labelRow = labels.shape.slice(1);
  checkClassNames(labels, units === null || units === 1 ? 2 : units);

  if (units !== null && units > 1 && elementCount(labelRow) === 1) {
    checkClassIndices(labels, units);
    return {
      rowShape: [units],
      numClasses: 2,
      oneHotFromIndices: true,
      note: `Class indices converted to one-hot rows of ${units} entries for binary cross-entropy on each output unit.`,
    };
  }

  const rowShape = matchSampleShape(labelRow, outputRow);
  if (rowShape === null) {
    throw labelShapeError(labels, outputShape, 'binary_crossentropy');
  }
  checkBinaryValues(labels);
  return { rowShape, numClasses: 2, oneHotFromIndices: false, note: reshapeNote(labelRow, rowShape) };
}

function planRegression(labels: Labels, loss: LossName, outputShape: readonly (number | null)[], outputRow: (number | null)[]): TargetPlan {
  const labelRow = labels.shape.slice(1);
  const rowShape = matchSampleShape(labelRow, outputRow);
  if (rowShape === null) {
    throw labelShapeError(labels, outputShape, loss);
  }

  const notes = [reshapeNote(labelRow, rowShape)];
  if (labels.classNames) {
    notes.push(`The labels were class names (${listNames(labels.classNames, 5)}), and ${loss} uses their indices as numbers.`);
  }
  const note = notes.filter((text) => text !== null).join(' ');
  return { rowShape, numClasses: null, oneHotFromIndices: false, note: note === '' ? null : note };
}

/** Returns the number of output units when the output row is a vector (size-1 dimensions aside), else null. */
function outputUnits(outputRow: (number | null)[]): number | null {
  const core = outputRow.filter((dimension) => dimension !== 1);
  if (core.length === 0) {
    return 1;
  }
  return core.length === 1 ? core[0] : null;
}

function checkClassNames(labels: Labels, units: number): void {
  if (labels.classNames && labels.classNames.length > units) {
    throw new InputError(
      labels.file,
      `the labels name ${labels.classNames.length} classes (${listNames(labels.classNames, 10)}), more than the model's ${units} output units`,
      'Pick the model trained on these classes, or the matching label column',
    );
  }
}

function checkClassIndices(labels: Labels, units: number): void {
  labels.values.forEach((value, sample) => {
    if (!Number.isInteger(value)) {
      throw new InputError(labels.file, `the label of sample ${sample} is ${value}, not an integer class index`, 'Give class indices as whole numbers from 0, or one-hot rows');
    }
    if (value < 0 || value >= units) {
      throw new InputError(
        labels.file,
        `the label of sample ${sample} is class ${value}, but the model has ${units} output units (classes 0 to ${units - 1})`,
        'Give class indices below the number of output units, or pick the model output that matches the labels (--output)',
      );
    }
  });
}

function checkOneHotRows(labels: Labels, units: number): void {
  const sampleCount = labels.shape[0];
  for (let sample = 0; sample < sampleCount; sample++) {
    const row = labels.values.subarray(sample * units, (sample + 1) * units);
    const ones = row.filter((value) => value === 1).length;
    const zeros = row.filter((value) => value === 0).length;
    if (ones !== 1 || zeros !== units - 1) {
      const shownValues = Array.from(row.subarray(0, 12)).join(', ') + (units > 12 ? ', …' : '');
      throw new InputError(
        labels.file,
        `the label row of sample ${sample} is [${shownValues}], which is not one-hot (exactly one 1, the rest 0)`,
        'Give one-hot rows, or class indices of shape [samples]',
      );
    }
  }
}

function checkBinaryValues(labels: Labels): void {
  const index = labels.values.findIndex((value) => value < 0 || value > 1);
  if (index >= 0) {
    throw new InputError(
      labels.file,
      `the label at flat index ${index} is ${labels.values[index]}, outside [0, 1] as binary_crossentropy needs`,
      'Give binary labels as 0 and 1 (or probabilities), or use a loss that fits the labels',
    );
  }
}

function labelShapeError(labels: Labels, outputShape: readonly (number | null)[], loss: LossName): InputError {
  return new InputError(
    labels.file,
    `the labels have shape ${formatShape(labels.shape)}, but the model output has shape ${formatShape(outputShape)}, ` +
      `and for ${loss} they may differ only by dimensions of size 1`,
    'Give labels of the model output shape, one row per sample, or pick the matching model output (--output)',
  );
}

// One value per sample ([] to [1]) is the usual form of labels, so it gets no note.
function reshapeNote(from: number[], to: number[]): string | null {
  if (sameShape(from, to) || from.length === 0) {
    return null;
  }
  return `Labels reshaped from ${formatShape(from)} to ${formatShape(to)} per sample.`;
}

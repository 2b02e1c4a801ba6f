import { InputError, UsageError } from '../errors';
import { createRandom, sampleIndices } from '../linalg/random';
import type { LossName } from '../report';
import { formatShape } from './formatting';
import { assertFinite } from './nonFinite';
import { elementCount, matchSampleShape, sameShape } from './sampleShape';
import { buildTargets, type Labels, planTargets } from './targets';
import type { Dataset } from './types';

export { type Accuracy, computeAccuracy } from './accuracy';

export interface FitOptions {
  /**
   * The model input's shape including the batch dimension, as TensorFlow.js
   * gives it (`model.inputs[0].shape`), for instance [null, 28, 28]. The first
   * entry is taken as the batch dimension whatever its value, and other null
   * entries take their size from the data.
   */
  inputShape: (number | null)[];
  /** The analysed output's shape including the batch dimension, for instance [null, 10]. */
  outputShape: (number | null)[];
  loss: LossName;
  /** Samples to draw; all samples are used when the dataset has no more than this. */
  samples: number;
  /** Seed of the sample choice. */
  seed: number;
}

/** A dataset fitted to a model: the chosen samples, shaped for its input, with targets for its loss. */
export interface FittedDataset {
  /** Inputs of the chosen samples, row-major, shape `inputsShape` = [n, ...model input]. */
  inputs: Float32Array;
  inputsShape: number[];
  /** Targets of the chosen samples, row-major, shape `targetsShape` = [n, ...model output]. */
  targets: Float32Array;
  targetsShape: number[];
  /** Rows of the dataset that were chosen, ascending. */
  indices: number[];
  /** Number of samples in the dataset. */
  totalSamples: number;
  /** k for the categorical losses, 2 for binary cross-entropy, null for regression. */
  numClasses: number | null;
  /** Shape of one input sample in the file and as the model takes it, when they differ only by size-1 dimensions; else null. */
  reshapedFrom: number[] | null;
  reshapedTo: number[] | null;
  /** Sentences for the report about conversions, for instance a reshape or one-hot encoding. */
  notes: string[];
}

/**
 * Fits a dataset to a model: draws the samples, reshapes the inputs to the
 * model's input shape where only dimensions of size 1 differ, and converts the
 * labels into the targets the loss needs (see `planTargets`).
 *
 * When `samples` is below the dataset's size, the samples are a uniformly
 * random subset without replacement, drawn with `sampleIndices` from the seed.
 * Otherwise every sample is used, in file order. All inputs and labels are
 * validated, not only the chosen ones, so an error does not depend on the seed.
 *
 * @throws InputError naming the data or labels file when the labels count differs
 *   from the inputs count or a value is NaN or infinite. It is also thrown when the
 *   input shape differs by more than size-1 dimensions (both shapes named), and
 *   when the labels do not fit the loss and output.
 * @throws UsageError when `samples` is not a positive integer.
 */
export function fitDataset(dataset: Dataset, options: FitOptions): FittedDataset {
  if (!Number.isSafeInteger(options.samples) || options.samples < 1) {
    throw new UsageError(`The sample count must be a positive integer, not ${options.samples}`, 'Pass --samples with a positive integer');
  }
  const labelsFile = dataset.labelsPath ?? dataset.inputsPath;
  checkDatasetShapes(dataset, labelsFile);
  assertFinite(dataset.x, dataset.xShape, dataset.inputsPath, 'the inputs');
  assertFinite(dataset.y, dataset.yShape, labelsFile, 'the labels');

  const dataRow = dataset.xShape.slice(1);
  const modelRow = options.inputShape.slice(1);
  const inputRow = matchSampleShape(dataRow, modelRow);
  if (inputRow === null) {
    throw inputShapeError(dataset, options.inputShape);
  }

  const labels: Labels = { values: dataset.y, shape: dataset.yShape, file: labelsFile, classNames: dataset.classNames };
  const plan = planTargets(labels, options.loss, options.outputShape);

  const totalSamples = dataset.xShape[0];
  const indices =
    options.samples < totalSamples
      ? sampleIndices(createRandom(options.seed, 'data-samples'), totalSamples, options.samples)
      : Array.from({ length: totalSamples }, (_, i) => i);

  const reshaped = !sameShape(dataRow, inputRow);
  const notes: string[] = [];
  if (reshaped) {
    notes.push(`Inputs reshaped from ${formatShape(dataRow)} to ${formatShape(inputRow)} per sample, by ${inputRow.length < dataRow.length ? 'dropping' : 'adding'} dimensions of size 1.`);
  }
  if (plan.note) {
    notes.push(plan.note);
  }

  return {
    inputs: gatherRows(dataset.x, elementCount(dataRow), indices),
    inputsShape: [indices.length, ...inputRow],
    targets: buildTargets(labels, plan, indices),
    targetsShape: [indices.length, ...plan.rowShape],
    indices,
    totalSamples,
    numClasses: plan.numClasses,
    reshapedFrom: reshaped ? dataRow : null,
    reshapedTo: reshaped ? inputRow : null,
    notes,
  };
}

function checkDatasetShapes(dataset: Dataset, labelsFile: string): void {
  if (dataset.xShape.length === 0 || dataset.x.length !== elementCount(dataset.xShape)) {
    throw new RangeError(`fitDataset: inputs of ${dataset.x.length} values do not have shape ${formatShape(dataset.xShape)}`);
  }
  if (dataset.yShape.length === 0 || dataset.y.length !== elementCount(dataset.yShape)) {
    throw new RangeError(`fitDataset: labels of ${dataset.y.length} values do not have shape ${formatShape(dataset.yShape)}`);
  }
  if (dataset.xShape[0] === 0) {
    throw new InputError(dataset.inputsPath, `the inputs have shape ${formatShape(dataset.xShape)}, so there are no samples`, 'Pick a file with at least one sample');
  }
  if (dataset.yShape[0] !== dataset.xShape[0]) {
    throw new InputError(
      labelsFile,
      `there are ${dataset.yShape[0]} labels (shape ${formatShape(dataset.yShape)}) for ${dataset.xShape[0]} input samples (shape ${formatShape(dataset.xShape)})`,
      'Give exactly one label per input sample, in the same order',
    );
  }
}

function inputShapeError(dataset: Dataset, inputShape: (number | null)[]): InputError {
  const modelRow = inputShape.slice(1);
  const dataRow = dataset.xShape.slice(1);
  const modelSizeKnown = modelRow.every((dimension) => dimension !== null);
  let fix = 'Use data made for this model, or pick the model that was trained on this data';
  if (modelSizeKnown && elementCount(modelRow as number[]) === elementCount(dataRow)) {
    const target = [dataset.xShape[0], ...(modelRow as number[])].join(', ');
    fix = `The sizes agree, so reshape the data to [${target}] before saving, for instance with numpy's x.reshape(${target})`;
  }

  return new InputError(
    dataset.inputsPath,
    `the inputs have shape ${formatShape(dataset.xShape)}, but the model input has shape ${formatShape(inputShape)}, and only dimensions of size 1 may differ`,
    fix,
  );
}

function gatherRows(values: Float32Array, rowSize: number, indices: readonly number[]): Float32Array {
  const result = new Float32Array(indices.length * rowSize);
  indices.forEach((sample, row) => {
    result.set(values.subarray(sample * rowSize, (sample + 1) * rowSize), row * rowSize);
  });
  return result;
}

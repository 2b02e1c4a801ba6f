import * as assert from 'node:assert/strict';

import { computeAccuracy, fitDataset, type FitOptions } from '../../../src/engine/data/fitDataset';
import { loadDataset } from '../../../src/engine/data/loadDataset';
import type { Dataset } from '../../../src/engine/data/types';
import { UsageError } from '../../../src/engine/errors';
import { realFile } from '../../realFiles';
import { expectInputError } from './helpers';

const INPUTS = '/data/inputs.npy';
const LABELS = '/data/labels.npy';

/** Makes a small in-memory dataset with a separate labels file. */
function makeDataset(x: number[], xShape: number[], y: number[], yShape: number[], classNames: string[] | null = null): Dataset {
  return {
    inputsPath: INPUTS,
    labelsPath: LABELS,
    x: Float32Array.from(x),
    xShape,
    y: Float32Array.from(y),
    yShape,
    featureNames: null,
    categories: {},
    labelColumn: null,
    classNames,
  };
}

function options(overrides: Partial<FitOptions>): FitOptions {
  return { inputShape: [null, 2], outputShape: [null, 3], loss: 'categorical_crossentropy', samples: 1000, seed: 0, ...overrides };
}

describe('fitDataset', () => {
  let mnist: Dataset;
  before(async () => {
    mnist = await loadDataset({ path: realFile('data', 'mnist-1k', 'mnist-1k.npz') });
  });

  describe('inputs', () => {
    it('drops a size-1 dimension for the model input', () => {
      const fitted = fitDataset(mnist, options({ inputShape: [null, 28, 28], outputShape: [null, 10], loss: 'sparse_categorical_crossentropy' }));

      assert.deepEqual(fitted.inputsShape, [1000, 28, 28]);
      assert.deepEqual(fitted.reshapedFrom, [28, 28, 1]);
      assert.deepEqual(fitted.reshapedTo, [28, 28]);
      assert.match(fitted.notes[0], /Inputs reshaped from \[28, 28, 1\] to \[28, 28\] per sample, by dropping/);
      assert.deepEqual(fitted.inputs, mnist.x);
    });

    it('adds a size-1 dimension for the model input', () => {
      const flat = { ...mnist, xShape: [1000, 28, 28] };
      const fitted = fitDataset(flat, options({ inputShape: [null, 28, 28, 1], outputShape: [null, 10] }));

      assert.deepEqual(fitted.inputsShape, [1000, 28, 28, 1]);
      assert.deepEqual(fitted.reshapedFrom, [28, 28]);
      assert.deepEqual(fitted.reshapedTo, [28, 28, 1]);
      assert.match(fitted.notes[0], /by adding dimensions of size 1/);
    });

    it('reports no reshape when the shapes agree', () => {
      const fitted = fitDataset(mnist, options({ inputShape: [null, 28, 28, 1], outputShape: [null, 10] }));
      assert.equal(fitted.reshapedFrom, null);
      assert.equal(fitted.reshapedTo, null);
    });

    it('names both shapes on a mismatch', async () => {
      await expectInputError(() => fitDataset(mnist, options({ inputShape: [null, 784], outputShape: [null, 10] })), {
        file: mnist.inputsPath,
        problem: /inputs have shape \[1000, 28, 28, 1\], but the model input has shape \[null, 784\]/,
        fix: /reshape the data to \[1000, 784\]/,
      });
      await expectInputError(() => fitDataset(mnist, options({ inputShape: [null, 32, 32, 1], outputShape: [null, 10] })), {
        file: mnist.inputsPath,
        problem: /\[1000, 28, 28, 1\].*\[null, 32, 32, 1\]/,
        fix: /data made for this model/,
      });
    });

    it('takes unknown model dimensions from the data', () => {
      const dataset = makeDataset([1, 2, 3, 4, 5, 6], [1, 3, 2], [0], [1]);
      const fitted = fitDataset(dataset, options({ inputShape: [null, null, 2] }));
      assert.deepEqual(fitted.inputsShape, [1, 3, 2]);
    });
  });

  describe('labels', () => {
    it('turns class indices into one-hot rows', () => {
      const fitted = fitDataset(mnist, options({ inputShape: [null, 28, 28, 1], outputShape: [null, 10], loss: 'sparse_categorical_crossentropy' }));

      assert.deepEqual(fitted.targetsShape, [1000, 10]);
      assert.equal(fitted.numClasses, 10);
      // The first label is 4.
      assert.deepEqual(Array.from(fitted.targets.subarray(0, 10)), [0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
      assert.equal(fitted.targets.reduce((total, value) => total + value, 0), 1000);
    });

    it('matches one-hot and index labels', () => {
      const indices = [2, 0, 1];
      const oneHot = indices.flatMap((label) => [0, 1, 2].map((k) => (k === label ? 1 : 0)));
      const fromIndices = fitDataset(makeDataset([1, 2, 3, 4, 5, 6], [3, 2], indices, [3]), options({}));
      const fromOneHot = fitDataset(makeDataset([1, 2, 3, 4, 5, 6], [3, 2], oneHot, [3, 3]), options({}));
      const fromColumn = fitDataset(makeDataset([1, 2, 3, 4, 5, 6], [3, 2], indices, [3, 1]), options({ loss: 'sparse_categorical_crossentropy' }));

      assert.deepEqual(Array.from(fromIndices.targets), oneHot);
      assert.deepEqual(Array.from(fromOneHot.targets), oneHot);
      assert.deepEqual(Array.from(fromColumn.targets), oneHot);
    });

    it('rejects a class index above outputs', async () => {
      await expectInputError(() => fitDataset(mnist, options({ inputShape: [null, 28, 28, 1], outputShape: [null, 5] })), {
        file: mnist.inputsPath,
        problem: /label of sample 4 is class 7, but the model has 5 output units \(classes 0 to 4\)/,
        fix: /--output/,
      });
    });

    it('rejects a class index equal to the output size', async () => {
      await expectInputError(() => fitDataset(makeDataset([1, 2, 3, 4], [2, 2], [0, 3], [2]), options({})), {
        file: LABELS,
        problem: /label of sample 1 is class 3, but the model has 3 output units \(classes 0 to 2\)/,
        fix: /below the number of output units/,
      });
    });

    it('rejects a non-integer class index', async () => {
      await expectInputError(() => fitDataset(makeDataset([1, 2, 3, 4], [2, 2], [1, 0.5], [2]), options({})), {
        file: LABELS,
        problem: /label of sample 1 is 0\.5, not an integer class index/,
        fix: /whole numbers/,
      });
    });

    it('rejects a row that is not one-hot', async () => {
      await expectInputError(() => fitDataset(makeDataset([1, 2, 3, 4], [2, 2], [0, 1, 0, 0, 0.5, 0.5], [2, 3]), options({})), {
        file: LABELS,
        problem: /label row of sample 1 is \[0, 0\.5, 0\.5\], which is not one-hot/,
        fix: /one-hot rows, or class indices/,
      });
    });

    it('rejects one-hot rows of the wrong width', async () => {
      await expectInputError(() => fitDataset(makeDataset([1, 2], [1, 2], [0, 1], [1, 2]), options({})), {
        file: LABELS,
        problem: /labels have shape \[1, 2\] and the model output has shape \[null, 3\], but the loss categorical_crossentropy needs/,
        fix: /one class index or one one-hot row/,
      });
    });

    it('rejects a labels count mismatch', async () => {
      await expectInputError(() => fitDataset(makeDataset([1, 2, 3, 4], [2, 2], [0], [1]), options({})), {
        file: LABELS,
        problem: /there are 1 labels \(shape \[1\]\) for 2 input samples \(shape \[2, 2\]\)/,
        fix: /one label per input sample/,
      });
    });

    it('rejects NaN labels', async () => {
      await expectInputError(() => fitDataset(makeDataset([1, 2, 3, 4], [2, 2], [0, NaN], [2]), options({})), {
        file: LABELS,
        problem: /value at index \[1\] of the labels is NaN/,
        fix: /Remove or replace/,
      });
    });

    it('rejects infinite inputs', async () => {
      await expectInputError(() => fitDataset(makeDataset([1, 2, Infinity, 4], [2, 2], [0, 1], [2]), options({})), {
        file: INPUTS,
        problem: /value at index \[1, 0\] of the inputs is Infinity/,
        fix: /Remove or replace/,
      });
    });

    it('rejects more class names than outputs', async () => {
      await expectInputError(() => fitDataset(makeDataset([1, 2, 3, 4], [2, 2], [0, 1], [2], ['a', 'b', 'c', 'd']), options({})), {
        file: LABELS,
        problem: /name 4 classes \("a", "b", "c", "d"\), more than the model's 3 output units/,
        fix: /model trained on these classes/,
      });
    });

    it('rejects a categorical loss on one output unit', async () => {
      await expectInputError(() => fitDataset(makeDataset([1, 2], [1, 2], [0], [1]), options({ outputShape: [null, 1] })), {
        file: LABELS,
        problem: /needs at least 2 output units.*always 0/,
        fix: /binary_crossentropy/,
      });
    });

    it('shapes binary targets like the output', () => {
      const fitted = fitDataset(makeDataset([1, 2, 3, 4], [2, 2], [1, 0], [2]), options({ loss: 'binary_crossentropy', outputShape: [null, 1] }));
      assert.deepEqual(fitted.targetsShape, [2, 1]);
      assert.deepEqual(Array.from(fitted.targets), [1, 0]);
      assert.equal(fitted.numClasses, 2);
    });

    it('one-hot encodes indices for binary units', () => {
      const fitted = fitDataset(makeDataset([1, 2, 3, 4], [2, 2], [2, 0], [2]), options({ loss: 'binary_crossentropy' }));
      assert.deepEqual(Array.from(fitted.targets), [0, 0, 1, 1, 0, 0]);
      assert.match(fitted.notes[0], /one-hot rows of 3 entries/);
    });

    it('rejects binary labels outside [0, 1]', async () => {
      await expectInputError(() => fitDataset(makeDataset([1, 2, 3, 4], [2, 2], [1, 2], [2]), options({ loss: 'binary_crossentropy', outputShape: [null, 1] })), {
        file: LABELS,
        problem: /label at flat index 1 is 2, outside \[0, 1\]/,
        fix: /0 and 1/,
      });
    });

    it('shapes regression targets like the output', async () => {
      const fitted = fitDataset(makeDataset([1, 2, 3, 4], [2, 2], [15, 7], [2]), options({ loss: 'mean_squared_error', outputShape: [null, 1] }));
      assert.deepEqual(fitted.targetsShape, [2, 1]);
      assert.deepEqual(Array.from(fitted.targets), [15, 7]);
      assert.equal(fitted.numClasses, null);

      await expectInputError(() => fitDataset(makeDataset([1, 2, 3, 4], [2, 2], [15, 7], [2]), options({ loss: 'mean_absolute_error', outputShape: [null, 2] })), {
        file: LABELS,
        problem: /labels have shape \[2\], but the model output has shape \[null, 2\]/,
        fix: /model output shape/,
      });
    });
  });

  describe('samples', () => {
    const fitOptions = options({ inputShape: [null, 28, 28, 1], outputShape: [null, 10], samples: 100, seed: 7 });

    it('draws a seeded subset without replacement', () => {
      const fitted = fitDataset(mnist, fitOptions);

      assert.equal(fitted.indices.length, 100);
      assert.equal(new Set(fitted.indices).size, 100);
      assert.ok(fitted.indices.every((index, i) => i === 0 || index > fitted.indices[i - 1]), 'ascending');
      assert.ok(fitted.indices.every((index) => index >= 0 && index < 1000), 'in range');
      assert.equal(fitted.totalSamples, 1000);
      assert.deepEqual(fitted.inputsShape, [100, 28, 28, 1]);
      assert.deepEqual(fitted.targetsShape, [100, 10]);
    });

    it('gathers the chosen rows', () => {
      const fitted = fitDataset(mnist, fitOptions);
      const last = fitted.indices[99];

      assert.deepEqual(fitted.inputs.subarray(99 * 784, 100 * 784), mnist.x.subarray(last * 784, (last + 1) * 784));
      assert.equal(fitted.targets[99 * 10 + mnist.y[last]], 1);
    });

    it('repeats for a seed and changes with it', () => {
      assert.deepEqual(fitDataset(mnist, fitOptions).indices, fitDataset(mnist, fitOptions).indices);
      assert.notDeepEqual(fitDataset(mnist, fitOptions).indices, fitDataset(mnist, { ...fitOptions, seed: 8 }).indices);
    });

    it('uses every sample when asked for more', () => {
      const fitted = fitDataset(mnist, { ...fitOptions, samples: 5000 });
      assert.equal(fitted.indices.length, 1000);
      assert.equal(fitted.indices[999], 999);
    });

    it('rejects a sample count below 1', () => {
      assert.throws(() => fitDataset(mnist, { ...fitOptions, samples: 0 }), UsageError);
    });
  });
});

describe('computeAccuracy', () => {
  it('compares argmax rows for categorical losses', () => {
    const predictions = Float32Array.from([0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.5, 0.4, 0.1]);
    const targets = Float32Array.from([1, 0, 0, 0, 1, 0, 1, 0, 0]);
    const result = computeAccuracy(predictions, targets, 3, 'sparse_categorical_crossentropy');

    assert.equal(result?.accuracy, 2 / 3);
    assert.equal(result?.chanceAccuracy, 1 / 3);
  });

  it('thresholds binary predictions at 0.5', () => {
    const result = computeAccuracy(Float32Array.from([0.9, 0.4, 0.6, 0.1]), Float32Array.from([1, 1, 0, 0]), 4, 'binary_crossentropy');
    assert.equal(result?.accuracy, 0.5);
    assert.equal(result?.chanceAccuracy, 0.5);
  });

  it('counts a NaN prediction as wrong', () => {
    const result = computeAccuracy(Float32Array.from([NaN, 0, 1, 0]), Float32Array.from([1, 0, 1, 0]), 2, 'categorical_crossentropy');
    assert.equal(result?.accuracy, 0.5);
  });

  it('returns null for regression', () => {
    assert.equal(computeAccuracy(Float32Array.from([1]), Float32Array.from([1]), 1, 'mean_squared_error'), null);
  });

  it('rejects arrays that do not form rows', () => {
    assert.throws(() => computeAccuracy(Float32Array.from([1, 2, 3]), Float32Array.from([1, 2]), 1, 'categorical_crossentropy'), RangeError);
  });
});

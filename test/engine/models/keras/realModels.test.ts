/**
 * The Keras loader on real Keras files published by other projects. Each one
 * loads, has the parameter count of its architecture and yields its training
 * configuration. It also classifies the MNIST sample as well as its training
 * left it, which only happens when every weight sits in the right variable.
 */
import * as assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs';

import { loadKerasModel } from '../../../../src/engine/models/keras';
import type { LoadedModel } from '../../../../src/engine/models/types';
import { realFile } from '../../../realFiles';
import { mnistAccuracy } from './helpers';

interface RealKerasCase {
  title: string;
  segments: string[];
  format: 'keras-h5' | 'keras-v3';
  numParameters: number;
  /** Input shape without the batch dimension. */
  inputShape: number[];
  /** Accuracy on the 1,000-image sample, measured with this loader on the cpu backend. */
  accuracy: number;
  /** Learning rate as the file stores it (float32 0.001 in most of them). */
  learningRate: number;
  /** Whether the file contains optimizer state, which must be ignored. */
  hasOptimizerState: boolean;
  /** A layer with weights and the shape of its first weight, to check names and layout. */
  probeLayer: { name: string; kernelShape: number[] };
}

const FLOAT32_0_001 = 0.0010000000474974513;

/**
 * Accuracies measured with this loader; each file's source trained it to
 * about these figures (the tensorspace LeNets to about 99%). A weight in the
 * wrong variable drops a model to about chance (10%).
 */
const CASES: RealKerasCase[] = [
  {
    title: 'tensorspace LeNet, Keras 2.1.6, old Sequential list',
    segments: ['models', 'tensorspace-keras-h5', 'mnist.h5'],
    format: 'keras-h5',
    numParameters: 44_426,
    inputShape: [28, 28],
    accuracy: 0.996,
    learningRate: FLOAT32_0_001,
    hasOptimizerState: true,
    probeLayer: { name: 'Dense_1', kernelShape: [256, 120] },
  },
  {
    title: 'tensorspace LeNet, tf.keras 2.1.6',
    segments: ['models', 'tensorspace-keras-h5', 'tf_keras_model.h5'],
    format: 'keras-h5',
    numParameters: 44_426,
    inputShape: [28, 28],
    accuracy: 0.99,
    learningRate: FLOAT32_0_001,
    hasOptimizerState: true,
    probeLayer: { name: 'conv_1', kernelShape: [5, 5, 1, 6] },
  },
  {
    title: 'tensorspace LeNet with zero padding',
    segments: ['models', 'tensorspace-keras-h5', 'helloworld_tf_keras_model.h5'],
    format: 'keras-h5',
    numParameters: 61_706,
    inputShape: [28, 28],
    accuracy: 0.988,
    learningRate: FLOAT32_0_001,
    hasOptimizerState: true,
    probeLayer: { name: 'dense_1', kernelShape: [400, 120] },
  },
  {
    title: 'InES CNN, Keras 2.2.4-tf',
    segments: ['models', 'keras-ines-cnn-keras2', 'mnist_cnn.h5'],
    format: 'keras-h5',
    numParameters: 63_050,
    inputShape: [28, 28, 1],
    accuracy: 0.983,
    learningRate: 0.001,
    hasOptimizerState: false,
    probeLayer: { name: 'dense', kernelShape: [6272, 10] },
  },
  {
    title: 'k2arm MLP, HDF5 named model.keras',
    segments: ['models', 'keras-k2arm-mid-keras2-hdf5-named-keras', 'model.keras'],
    format: 'keras-h5',
    numParameters: 27_562,
    inputShape: [784],
    accuracy: 0.975,
    learningRate: FLOAT32_0_001,
    hasOptimizerState: true,
    probeLayer: { name: 'dense_18', kernelShape: [784, 32] },
  },
  {
    title: 'payal MLP, Keras 3.8 archive',
    segments: ['models', 'keras-payal-mlp-keras3', 'mnist_model.keras'],
    format: 'keras-v3',
    numParameters: 101_770,
    inputShape: [28, 28],
    accuracy: 0.967,
    learningRate: FLOAT32_0_001,
    hasOptimizerState: true,
    // Stored under layers/dense; the config names the layer dense_3.
    probeLayer: { name: 'dense_3', kernelShape: [784, 128] },
  },
  {
    title: 'mech CNN, Keras 3.13 archive',
    segments: ['models', 'keras-mech-cnn-keras3', 'mnist_model.keras'],
    format: 'keras-v3',
    numParameters: 225_034,
    inputShape: [28, 28, 1],
    accuracy: 0.996,
    learningRate: FLOAT32_0_001,
    hasOptimizerState: true,
    probeLayer: { name: 'conv2d_1', kernelShape: [3, 3, 32, 64] },
  },
];

/** Two samples of 1,000: enough for float rounding across platforms, far too little for a misplaced weight. */
const ACCURACY_TOLERANCE = 0.002;

describe('loadKerasModel on real Keras files', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  for (const testCase of CASES) {
    describe(testCase.title, () => {
      let file: string;
      let loaded: LoadedModel;

      before(async () => {
        file = realFile(...testCase.segments);
        loaded = await loadKerasModel(file);
      });

      after(() => {
        loaded?.model.dispose();
      });

      it('detects the format by content', () => {
        assert.equal(loaded.format, testCase.format);
        assert.equal(loaded.path, file);
        assert.deepEqual(loaded.files, [file]);
      });

      it('has the parameter count', () => {
        assert.equal(loaded.model.countParams(), testCase.numParameters);
        const trainableShapes = loaded.model.trainableWeights.map((weight) => weight.shape as number[]);
        const trainable = trainableShapes.reduce((sum, shape) => sum + shape.reduce((product, size) => product * size, 1), 0);
        assert.equal(trainable, testCase.numParameters);
      });

      it('keeps input shape and layer names', () => {
        assert.deepEqual(loaded.model.inputs[0].shape.slice(1), testCase.inputShape);
        const layer = loaded.model.getLayer(testCase.probeLayer.name);
        assert.deepEqual(layer.getWeights()[0].shape, testCase.probeLayer.kernelShape);
        assert.deepEqual(loaded.model.outputs[0].shape, [null, 10]);
      });

      it('reaches its trained accuracy', async () => {
        const accuracy = await mnistAccuracy(loaded.model);
        assert.ok(
          Math.abs(accuracy - testCase.accuracy) <= ACCURACY_TOLERANCE,
          `accuracy ${accuracy} on the MNIST sample, expected ${testCase.accuracy}`,
        );
      });

      it('reads the training configuration', () => {
        assert.equal(loaded.training.loss, 'sparse_categorical_crossentropy');
        assert.equal(loaded.training.optimizer, 'Adam');
        assert.equal(loaded.training.learningRate, testCase.learningRate);
      });

      it('ignores optimizer state', () => {
        const optimizerNotes = loaded.notes.filter((note) => /optimizer state/.test(note));
        assert.equal(optimizerNotes.length, testCase.hasOptimizerState ? 1 : 0, loaded.notes.join('\n'));
        if (testCase.hasOptimizerState) {
          assert.match(optimizerNotes[0], /ignored, not loaded as weights/);
        }
        // Adam's moment arrays have the shapes of the weights: loading them would double the count.
        assert.equal(loaded.model.weights.length, loaded.model.layers.reduce((sum, layer) => sum + layer.weights.length, 0));
      });
    });
  }

  it('leaves no tensors behind after dispose', async () => {
    const before = tf.memory().numTensors;
    const loaded = await loadKerasModel(realFile('models', 'keras-payal-mlp-keras3', 'mnist_model.keras'));
    loaded.model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});

import * as tf from '@tensorflow/tfjs';

import { createLossProblem, type LossProblem } from '../../../src/engine/hvp/lossProblem';
import { createRandom, type Random } from '../../../src/engine/linalg/random';
import type { LossName } from '../../../src/engine/report';

/**
 * Tiny models, one per layer type, activation or loss that the engine
 * supports, with random weights and data drawn from a fixed seed. Each has
 * tens to a few hundred parameters and a handful of samples, split into
 * batches of 4 so that the batch accumulation is exercised too.
 */

export interface LayerCase {
  /** Short name used in test titles. */
  name: string;
  loss: LossName;
  build(): tf.LayersModel;
  /** Input values for `samples` samples (integer indices for an Embedding), given the model with its final weights. */
  inputs(random: Random, samples: number, model: tf.LayersModel): Float32Array;
  /** Input shape without the sample dimension. */
  inputShape: number[];
  /** Changes the random weights before use, where the case needs particular values. */
  adjustWeights?(model: tf.LayersModel): void;
}

const SAMPLES = 6;
const BATCH_SIZE = 4;

function normalInputs(size: number): (random: Random, samples: number) => Float32Array {
  return (random, samples) => Float32Array.from({ length: samples * size }, () => random.normal());
}

/** Dense(6, activation) → Dense(2) with mean squared error, so only the activation is under test. */
function denseActivation(activation: string): LayerCase {
  return {
    name: `Dense ${activation}`,
    loss: 'mean_squared_error',
    inputShape: [4],
    inputs: normalInputs(4),
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [4], units: 6, activation: activation as never }),
          tf.layers.dense({ units: 2 }),
        ],
      }),
  };
}

/** Dense(5, tanh) → Dense(outputs, activation) with `loss`. */
function lossCase(loss: LossName, outputs: number, activation: 'softmax' | 'sigmoid' | 'linear'): LayerCase {
  return {
    name: `loss ${loss}`,
    loss,
    inputShape: [4],
    inputs: normalInputs(4),
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [4], units: 5, activation: 'tanh' }),
          tf.layers.dense({ units: outputs, activation }),
        ],
      }),
  };
}

/** Builds a 2D image case: `body` layers on a [5, 5, 2] input, then Flatten → Dense(2), mean squared error. */
function imageCase(name: string, body: () => tf.layers.Layer[], inputShape = [5, 5, 2]): LayerCase {
  return {
    name,
    loss: 'mean_squared_error',
    inputShape,
    inputs: normalInputs(inputShape.reduce((a, b) => a * b, 1)),
    build: () => {
      const layers = body();
      const model = tf.sequential();
      model.add(tf.layers.inputLayer({ inputShape }));
      layers.forEach((layer) => model.add(layer));
      model.add(tf.layers.flatten());
      model.add(tf.layers.dense({ units: 2 }));
      return model;
    },
  };
}

/**
 * Dense(18) → Reshape [3, 3, 2] → `pool` (2×2, stride 1) → Flatten →
 * Dense(2, tanh) → Dense(2): a pooling layer whose backward pass needs no
 * convolution kernel. About one window in sixteen holds only negative values.
 *
 * A finite-difference step that changes which element is a window's maximum
 * makes a probe useless. So the Dense before the pool is linear, because tanh
 * would crowd the values near ±1. Its weights are scaled by 4, and samples
 * are drawn until every window's largest value exceeds the next by
 * POOL_MIN_GAP. The largest step, 2⁻⁸ along a probe with entries within ±4,
 * moves a Dense output of these 4 standard normal inputs by well under that.
 */
function denseThenPool(name: string, pool: () => tf.layers.Layer): LayerCase {
  return {
    name,
    loss: 'mean_squared_error',
    inputShape: [4],
    inputs: samplesWithWideWindowGaps,
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [4], units: 18 }),
          tf.layers.reshape({ targetShape: [3, 3, 2] }),
          pool(),
          tf.layers.flatten(),
          tf.layers.dense({ units: 2, activation: 'tanh' }),
          tf.layers.dense({ units: 2 }),
        ],
      }),
    adjustWeights: (model) => scaleWeights(model.layers[0], POOL_INPUT_SCALE),
  };
}

const POOL_INPUT_SCALE = 4;
const POOL_MIN_GAP = 0.3;

function samplesWithWideWindowGaps(random: Random, samples: number, model: tf.LayersModel): Float32Array {
  const values = new Float32Array(samples * 4);
  for (let sample = 0; sample < samples; sample++) {
    for (let attempt = 0; ; attempt++) {
      const candidate = Float32Array.from({ length: 4 }, () => random.normal());
      if (smallestWindowGap(model.layers[0], candidate) >= POOL_MIN_GAP) {
        values.set(candidate, sample * 4);
        break;
      }
      if (attempt === 1000) {
        throw new Error('No sample with wide gaps between the pooled values was found in 1000 draws.');
      }
    }
  }
  return values;
}

/** Smallest gap between the largest and second largest value of a 2×2, stride 1 window over the [3, 3, 2] Dense output. */
function smallestWindowGap(dense: tf.layers.Layer, input: Float32Array): number {
  const output = tf.tidy(() => (dense.apply(tf.tensor2d(input, [1, 4])) as tf.Tensor).dataSync());
  const at = (row: number, column: number, channel: number): number => output[(row * 3 + column) * 2 + channel];
  let smallest = Number.POSITIVE_INFINITY;
  for (let row = 0; row < 2; row++) {
    for (let column = 0; column < 2; column++) {
      for (let channel = 0; channel < 2; channel++) {
        const window = [at(row, column, channel), at(row, column + 1, channel), at(row + 1, column, channel), at(row + 1, column + 1, channel)];
        window.sort((a, b) => b - a);
        smallest = Math.min(smallest, window[0] - window[1]);
      }
    }
  }
  return smallest;
}

function scaleWeights(layer: tf.layers.Layer, scale: number): void {
  for (const weight of layer.weights) {
    const scaled = tf.tidy(() => tf.mul(weight.read(), scale));
    weight.write(scaled);
    scaled.dispose();
  }
}

/** Builds a sequence case: `recurrent` on a [4, 3] input, then Dense(2), mean squared error. */
function sequenceCase(name: string, recurrent: () => tf.layers.Layer): LayerCase {
  return {
    name,
    loss: 'mean_squared_error',
    inputShape: [4, 3],
    inputs: normalInputs(12),
    build: () =>
      tf.sequential({
        layers: [tf.layers.inputLayer({ inputShape: [4, 3] }), recurrent(), tf.layers.dense({ units: 2 })],
      }),
  };
}

/** Two Dense branches on one input, merged by `merge`, then Dense(2), mean squared error. */
function mergeCase(name: string, merge: (branches: tf.SymbolicTensor[]) => tf.SymbolicTensor): LayerCase {
  return {
    name,
    loss: 'mean_squared_error',
    inputShape: [4],
    inputs: normalInputs(4),
    build: () => {
      const input = tf.input({ shape: [4] });
      const left = tf.layers.dense({ units: 3, activation: 'tanh' }).apply(input) as tf.SymbolicTensor;
      const right = tf.layers.dense({ units: 3, activation: 'sigmoid' }).apply(input) as tf.SymbolicTensor;
      const merged = merge([left, right]);
      const output = tf.layers.dense({ units: 2 }).apply(merged) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: output });
    },
  };
}

const conv = (config: Partial<Parameters<typeof tf.layers.conv2d>[0]> = {}): tf.layers.Layer =>
  tf.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'tanh', padding: 'same', ...config });

export const LAYER_CASES: LayerCase[] = [
  denseActivation('relu'),
  denseActivation('tanh'),
  denseActivation('sigmoid'),
  denseActivation('softmax'),
  denseActivation('elu'),
  denseActivation('selu'),
  denseActivation('gelu'),
  denseActivation('swish'),
  denseActivation('softplus'),
  {
    ...denseActivation('tanh'),
    name: 'Activation layer',
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [4], units: 6 }),
          tf.layers.activation({ activation: 'tanh' }),
          tf.layers.dense({ units: 2 }),
        ],
      }),
  },

  lossCase('categorical_crossentropy', 3, 'softmax'),
  lossCase('sparse_categorical_crossentropy', 3, 'softmax'),
  lossCase('binary_crossentropy', 2, 'sigmoid'),
  lossCase('mean_squared_error', 2, 'linear'),
  lossCase('mean_absolute_error', 2, 'linear'),

  imageCase('Conv2D same', () => [conv()]),
  imageCase('Conv2D strided valid', () => [conv({ strides: 2, padding: 'valid' })], [6, 6, 2]),
  // A convolution after a layer with weights needs Conv2DBackpropInput: the
  // forward-convolution form on wasm at stride 1, the im2col form at stride 2.
  imageCase('Conv2D after Conv2D', () => [conv(), conv()]),
  imageCase('Conv2D strided after Conv2D', () => [conv(), conv({ strides: 2, padding: 'valid' })], [6, 6, 2]),
  imageCase('Conv2D after MaxPooling2D', () => [conv(), tf.layers.maxPooling2d({ poolSize: 2 }), conv({ padding: 'valid' })], [6, 6, 2]),
  imageCase('DepthwiseConv2D', () => [
    tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, activation: 'tanh', padding: 'same' }),
  ]),
  imageCase('SeparableConv2D', () => [
    tf.layers.separableConv2d({ filters: 3, kernelSize: 3, depthMultiplier: 2, activation: 'tanh', padding: 'valid' }),
  ]),
  imageCase('MaxPooling2D valid', () => [conv(), tf.layers.maxPooling2d({ poolSize: 2 })]),
  imageCase('MaxPooling2D same', () => [
    conv(),
    tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }),
  ]),
  imageCase('AveragePooling2D valid', () => [
    conv(),
    tf.layers.averagePooling2d({ poolSize: 2 }),
  ]),
  imageCase('AveragePooling2D same', () => [
    conv(),
    tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }),
  ]),
  denseThenPool('MaxPooling2D after Dense', () => tf.layers.maxPooling2d({ poolSize: 2, strides: 1 })),
  denseThenPool('AveragePooling2D valid after Dense', () =>
    tf.layers.averagePooling2d({ poolSize: 2, strides: 1 }),
  ),
  denseThenPool('AveragePooling2D same after Dense', () =>
    tf.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
  ),
  {
    ...imageCase('GlobalAveragePooling2D', () => []),
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape: [5, 5, 2], filters: 4, kernelSize: 3, activation: 'tanh' }),
          tf.layers.globalAveragePooling2d({}),
          tf.layers.dense({ units: 2 }),
        ],
      }),
  },
  imageCase('ZeroPadding2D', () => [tf.layers.zeroPadding2d({ padding: 1 }), conv({ padding: 'valid' })]),
  imageCase('BatchNormalization conv', () => [
    conv({ activation: 'linear' }),
    tf.layers.batchNormalization({}),
    tf.layers.activation({ activation: 'tanh' }),
  ]),

  {
    ...denseActivation('tanh'),
    name: 'BatchNormalization',
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [4], units: 5 }),
          tf.layers.batchNormalization({}),
          tf.layers.activation({ activation: 'tanh' }),
          tf.layers.dense({ units: 2 }),
        ],
      }),
  },
  {
    ...denseActivation('tanh'),
    name: 'Dropout',
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [4], units: 5, activation: 'tanh' }),
          tf.layers.dropout({ rate: 0.5 }),
          tf.layers.dense({ units: 2 }),
        ],
      }),
  },
  {
    ...denseActivation('tanh'),
    name: 'LayerNormalization',
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [4], units: 5 }),
          tf.layers.layerNormalization({}),
          tf.layers.dense({ units: 2, activation: 'tanh' }),
          tf.layers.dense({ units: 2 }),
        ],
      }),
  },
  {
    name: 'Embedding',
    loss: 'mean_squared_error',
    inputShape: [3],
    inputs: (random, samples) => Float32Array.from({ length: samples * 3 }, () => random.integer(7)),
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: 7, outputDim: 3, inputLength: 3 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 4, activation: 'tanh' }),
          tf.layers.dense({ units: 2 }),
        ],
      }),
  },

  sequenceCase('SimpleRNN', () => tf.layers.simpleRNN({ units: 4 })),
  sequenceCase('LSTM sigmoid', () => tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid' })),
  sequenceCase('LSTM hardSigmoid', () => tf.layers.lstm({ units: 3 })),
  sequenceCase('GRU sigmoid', () => tf.layers.gru({ units: 3, recurrentActivation: 'sigmoid' })),
  sequenceCase('GRU hardSigmoid', () => tf.layers.gru({ units: 3 })),

  {
    name: 'Flatten',
    loss: 'mean_squared_error',
    inputShape: [3, 2],
    inputs: normalInputs(6),
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.flatten({ inputShape: [3, 2] }),
          tf.layers.dense({ units: 4, activation: 'tanh' }),
          tf.layers.dense({ units: 2 }),
        ],
      }),
  },
  {
    name: 'Reshape',
    loss: 'mean_squared_error',
    inputShape: [4],
    inputs: normalInputs(4),
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [4], units: 6, activation: 'tanh' }),
          tf.layers.reshape({ targetShape: [3, 2] }),
          tf.layers.dense({ units: 2, activation: 'tanh' }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 2 }),
        ],
      }),
  },
  mergeCase('Concatenate', (branches) => tf.layers.concatenate().apply(branches) as tf.SymbolicTensor),
  mergeCase('Add', (branches) => tf.layers.add().apply(branches) as tf.SymbolicTensor),
];

/**
 * Builds the case's model with random weights and its loss problem over
 * SAMPLES samples in batches of BATCH_SIZE. Trainable weights are drawn as
 * N(0, 1/fan-in), biases as N(0, 0.3²); BatchNormalization statistics get a
 * moving mean of N(0, 0.3²) and a moving variance in [0.5, 1.5].
 */
export function buildProblem(layerCase: LayerCase, seed: number): LossProblem {
  const random = createRandom(seed, layerCase.name);
  const model = layerCase.build();
  randomizeWeights(model, random);
  layerCase.adjustWeights?.(model);

  const inputs = layerCase.inputs(random, SAMPLES, model);
  const outputShape = (model.outputs[0].shape as number[]).slice(1);
  const targets = targetsFor(layerCase.loss, outputShape, random);

  return createLossProblem(
    model,
    layerCase.loss,
    { inputs, inputShape: [SAMPLES, ...layerCase.inputShape], targets, targetShape: [SAMPLES, ...outputShape] },
    BATCH_SIZE,
  );
}

function randomizeWeights(model: tf.LayersModel, random: Random): void {
  for (const weight of model.weights) {
    const shape = weight.shape as number[];
    const size = shape.reduce((a, b) => a * b, 1);
    const name = weight.name;
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      if (name.includes('moving_variance')) {
        values[i] = 0.5 + random.uniform();
      } else if (name.includes('gamma')) {
        values[i] = 1 + 0.2 * random.normal();
      } else if (shape.length === 1) {
        values[i] = 0.3 * random.normal();
      } else {
        const fanIn = size / shape[shape.length - 1];
        values[i] = random.normal() / Math.sqrt(fanIn);
      }
    }
    const tensor = tf.tensor(values, shape, 'float32');
    weight.write(tensor);
    tensor.dispose();
  }
}

function targetsFor(loss: LossName, outputShape: number[], random: Random): Float32Array {
  const size = outputShape.reduce((a, b) => a * b, 1);
  const targets = new Float32Array(SAMPLES * size);
  for (let sample = 0; sample < SAMPLES; sample++) {
    for (let j = 0; j < size; j++) {
      if (loss === 'categorical_crossentropy' || loss === 'sparse_categorical_crossentropy') {
        continue;
      }
      targets[sample * size + j] = loss === 'binary_crossentropy' ? random.integer(2) : random.normal();
    }
    if (loss === 'categorical_crossentropy' || loss === 'sparse_categorical_crossentropy') {
      targets[sample * size + random.integer(size)] = 1;
    }
  }
  return targets;
}

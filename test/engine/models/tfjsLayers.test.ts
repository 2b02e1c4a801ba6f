import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { listTrainableLayers, selectOutput } from '../../../src/engine/models/outputs';
import { FileSystemLayersModelHandler, loadTfjsLayersModel } from '../../../src/engine/models/tfjsLayers';
import type { LoadedModel } from '../../../src/engine/models/types';
import { realFile } from '../../realFiles';
import { expectInputError, firstGroup, makeTempDir, tinyTopology, tinyWeightValues, TINY_WEIGHT_SHAPES, writeTinyModel } from './fixtures';

/** Reads a little-endian float32 or int32 .npy file (version 1, C order), the two dtypes of the MNIST sample. */
async function readNpy(file: string): Promise<{ shape: number[]; data: Float32Array | Int32Array }> {
  const bytes = await fs.readFile(file);
  assert.equal(bytes.toString('latin1', 1, 6), 'NUMPY', `${file} is not an .npy file`);
  assert.equal(bytes[6], 1, `${file}: only .npy version 1 is read here`);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.toString('latin1', 10, 10 + headerLength);
  assert.match(header, /'fortran_order': False/);

  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((size) => size.trim())
    .filter((size) => size !== '')
    .map(Number);
  const dataStart = 10 + headerLength;
  const data = bytes.buffer.slice(bytes.byteOffset + dataStart, bytes.byteOffset + bytes.byteLength);
  if (header.includes("'descr': '<f4'")) {
    return { shape, data: new Float32Array(data) };
  }
  if (header.includes("'descr': '<i4'")) {
    return { shape, data: new Int32Array(data) };
  }
  throw new Error(`${file}: unexpected dtype in header ${header}`);
}

/** Float32 values of a little-endian float32 file, from byte `offset`. */
async function readFloats(file: string, offset: number, count: number): Promise<Float32Array> {
  const bytes = await fs.readFile(file);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + count * 4));
}

function sumParameters(model: tf.LayersModel): number {
  return listTrainableLayers(model).reduce((sum, layer) => sum + layer.numParameters, 0);
}

function variableValues(loaded: LoadedModel, layerName: string, index: number): Float32Array {
  return loaded.model.getLayer(layerName).getWeights()[index].dataSync() as Float32Array;
}

describe('loadTfjsLayersModel', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  describe('trained LeNet', () => {
    const modelFile = realFile('models', 'tensorspace-lenet-trained', 'mnist.json');
    const shardFile = realFile('models', 'tensorspace-lenet-trained', 'mnist.weights.bin');
    let loaded: LoadedModel;

    before(async () => {
      loaded = await loadTfjsLayersModel(modelFile);
    });

    after(() => {
      loaded.model.dispose();
    });

    it('has 8 outputs and 61,706 parameters', () => {
      assert.equal(loaded.format, 'tfjs-layers');
      assert.equal(loaded.model.outputs.length, 8);
      assert.equal(sumParameters(loaded.model), 61706);
      assert.equal(loaded.model.countParams(), 61706);
    });

    it('last output is a softmax over 10', () => {
      const last = selectOutput(loaded);
      assert.equal(last.index, 7);
      assert.equal(last.name, 'dense_Dense3');
      assert.deepEqual(last.model.outputs[0].shape, [null, 10]);
      assert.equal(loaded.model.getLayer('dense_Dense3').getConfig().activation, 'softmax');
    });

    it('lists the model file and its shard', () => {
      assert.deepEqual(loaded.files, [modelFile, shardFile]);
    });

    it('records no training config', () => {
      assert.equal(loaded.training.loss, null);
      assert.equal(loaded.training.learningRate, null);
    });

    it('weights equal the shard bytes', async () => {
      // Manifest order: conv1 kernel (150), conv1 bias (6), conv2 kernel (2400), conv2 bias (16),
      // dense1 kernel (48000), dense1 bias (120), dense2 kernel (10080), dense2 bias (84),
      // dense3 kernel (840), dense3 bias (10).
      const firstKernel = await readFloats(shardFile, 0, 150);
      const lastBiasOffset = (150 + 6 + 2400 + 16 + 48000 + 120 + 10080 + 84 + 840) * 4;
      const lastBias = await readFloats(shardFile, lastBiasOffset, 10);

      assert.deepEqual(Array.from(variableValues(loaded, 'conv2d_Conv2D1', 0)), Array.from(firstKernel));
      assert.deepEqual(Array.from(variableValues(loaded, 'dense_Dense3', 1)), Array.from(lastBias));
    });

    it('is about 96% accurate on the MNIST sample', async () => {
      const x = await readNpy(realFile('data', 'mnist-1k', 'x.npy'));
      const y = await readNpy(realFile('data', 'mnist-1k', 'y.npy'));
      assert.deepEqual(x.shape, [1000, 28, 28, 1]);
      // The model's input is [null, 28, 28, 1], the shape of the data: no reshape needed.
      assert.deepEqual(loaded.model.inputs[0].shape, [null, 28, 28, 1]);

      const classifier = selectOutput(loaded).model;
      const predicted = tf.tidy(() => {
        const probabilities = classifier.predict(tf.tensor4d(x.data as Float32Array, [1000, 28, 28, 1])) as tf.Tensor2D;
        return { classes: probabilities.argMax(1).dataSync(), rowSums: probabilities.sum(1).dataSync() };
      });
      let correct = 0;
      for (let i = 0; i < 1000; i++) {
        if (predicted.classes[i] === y.data[i]) {
          correct++;
        }
      }
      const accuracy = correct / 1000;

      assert.ok(accuracy >= 0.95, `accuracy ${accuracy} is below 0.95`);
      assert.ok(accuracy <= 0.98, `accuracy ${accuracy} is above 0.98`);
      assert.ok(Math.abs(predicted.rowSums[0] - 1) < 1e-5, `softmax row sums to ${predicted.rowSums[0]}`);
    });
  });

  describe('untrained LeNet (old format)', () => {
    const modelFile = realFile('models', 'tensorspace-tfjs-lenet-UNTRAINED', 'mnist.json');
    let loaded: LoadedModel;

    before(async () => {
      loaded = await loadTfjsLayersModel(modelFile);
    });

    after(() => {
      loaded.model.dispose();
    });

    it('notes the old Sequential format', () => {
      assert.ok(loaded.notes.some((note) => /old Sequential format/.test(note)), loaded.notes.join(' | '));
    });

    it('has one output and 61,706 parameters', () => {
      assert.equal(loaded.model.outputs.length, 1);
      assert.equal(sumParameters(loaded.model), 61706);
      assert.equal(selectOutput(loaded).name, 'myDense3');
    });

    it('has all biases zero and kernels not', () => {
      const layers = listTrainableLayers(loaded.model);
      assert.equal(layers.length, 5);
      for (const layer of layers) {
        const [kernel, bias] = layer.variables.map((variable) => variable.read().dataSync());
        assert.ok(bias.every((value) => value === 0), `bias of ${layer.name} is not zero`);
        assert.ok(kernel.some((value) => value !== 0), `kernel of ${layer.name} is all zero`);
      }
    });

    it('has cross-entropy near ln 10 on the sample', async () => {
      const x = await readNpy(realFile('data', 'mnist-1k', 'x.npy'));
      const y = await readNpy(realFile('data', 'mnist-1k', 'y.npy'));

      const crossEntropy = tf.tidy(() => {
        const probabilities = loaded.model.predict(tf.tensor4d(x.data as Float32Array, [1000, 28, 28, 1])) as tf.Tensor2D;
        const oneHot = tf.oneHot(tf.tensor1d(y.data as Int32Array, 'int32'), 10);
        return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(tf.clipByValue(probabilities, 1e-7, 1))), 1))).dataSync()[0];
      });

      assert.ok(Math.abs(crossEntropy - Math.log(10)) < 0.05, `cross-entropy ${crossEntropy}`);
    });
  });

  describe('abalone MLP', () => {
    const modelFile = realFile('models', 'tfjs-examples-abalone', 'model.json');

    it('has 3,051 parameters and no training config', async () => {
      const loaded = await loadTfjsLayersModel(modelFile);
      try {
        assert.equal(sumParameters(loaded.model), 3051);
        assert.deepEqual(loaded.model.inputs[0].shape, [null, 8]);
        assert.deepEqual(loaded.model.outputs[0].shape, [null, 1]);
        assert.equal(loaded.training.loss, null);
        assert.equal(loaded.training.rawLoss, null);
        assert.equal(loaded.training.learningRate, null);
        assert.equal(loaded.training.optimizer, null);
      } finally {
        loaded.model.dispose();
      }
    });

    it('handler works with tf.loadLayersModel', async () => {
      const loaded = await loadTfjsLayersModel(modelFile);
      const viaTfjs = await tf.loadLayersModel(new FileSystemLayersModelHandler(modelFile));
      try {
        const inputs = tf.tensor2d([0, 0.455, 0.365, 0.095, 0.514, 0.2245, 0.101, 0.15, 2, 0.53, 0.42, 0.135, 0.677, 0.2565, 0.1415, 0.21], [2, 8]);
        const ours = (loaded.model.predict(inputs) as tf.Tensor).dataSync();
        const theirs = (viaTfjs.predict(inputs) as tf.Tensor).dataSync();
        assert.deepEqual(Array.from(ours), Array.from(theirs));
        assert.ok(ours.every(Number.isFinite));
      } finally {
        loaded.model.dispose();
        viaTfjs.dispose();
      }
    });
  });

  describe('graph model', () => {
    it('is rejected as a graph model', async () => {
      const modelFile = realFile('models', 'tfjs-examples-prefetch-graphmodel', 'model.json');

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /graph model/);
      assert.match(error.problem, /needs a layers model/);
      assert.match(error.fix, /tensorflowjs_converter --output_format=tfjs_layers_model/);
    });
  });

  describe('formats', () => {
    let folder: string;

    beforeEach(async () => {
      folder = await makeTempDir();
    });

    afterEach(async () => {
      await fs.rm(folder, { recursive: true, force: true });
    });

    it('reads any file name', async () => {
      const { modelFile, values } = await writeTinyModel(folder, { modelFileName: 'my-net.topology' });

      const loaded = await loadTfjsLayersModel(modelFile);
      try {
        assert.deepEqual(Array.from(variableValues(loaded, 'hidden', 0)), Array.from(values.subarray(0, 12)));
      } finally {
        loaded.model.dispose();
      }
    });

    it('concatenates groups and shards in order', async () => {
      const values = tinyWeightValues();
      const bytes = Buffer.from(values.buffer);
      await fs.mkdir(path.join(folder, 'shards'));
      // Group 0 (hidden kernel and bias, 64 bytes) has two shards, cut inside the kernel.
      // Group 1 (output kernel and bias, 40 bytes) has three shards.
      const shardCuts: [string, number, number][] = [
        ['shards/group1-shard1of2.bin', 0, 40],
        ['shards/group1-shard2of2.bin', 40, 64],
        ['group2-shard1of3.bin', 64, 80],
        ['group2-shard2of3.bin', 80, 96],
        ['group2-shard3of3.bin', 96, 104],
      ];
      for (const [name, start, end] of shardCuts) {
        await fs.writeFile(path.join(folder, name), bytes.subarray(start, end));
      }
      const specs = Object.entries(TINY_WEIGHT_SHAPES).map(([name, shape]) => ({ name, shape, dtype: 'float32' }));
      const modelFile = path.join(folder, 'model.json');
      await fs.writeFile(
        modelFile,
        JSON.stringify({
          modelTopology: tinyTopology(),
          weightsManifest: [
            { paths: shardCuts.slice(0, 2).map(([name]) => name), weights: specs.slice(0, 2) },
            { paths: shardCuts.slice(2).map(([name]) => name), weights: specs.slice(2) },
          ],
        }),
      );

      const loaded = await loadTfjsLayersModel(modelFile);
      try {
        const all = loaded.model.getWeights().flatMap((tensor) => Array.from(tensor.dataSync()));
        assert.deepEqual(all, Array.from(values));
        assert.deepEqual(
          loaded.files,
          [modelFile, ...shardCuts.map(([name]) => path.join(folder, name))],
        );
      } finally {
        loaded.model.dispose();
      }
    });

    it('reads a bare list of layers', async () => {
      const { modelFile, values } = await writeTinyModel(folder, {
        edit: (json) => {
          json.modelTopology = (tinyTopology().config as { layers: unknown[] }).layers;
        },
      });

      const loaded = await loadTfjsLayersModel(modelFile);
      try {
        assert.ok(loaded.notes.some((note) => /old Sequential format/.test(note)));
        assert.deepEqual(Array.from(variableValues(loaded, 'output', 1)), Array.from(values.subarray(24)));
      } finally {
        loaded.model.dispose();
      }
    });

    it('reads a converted Keras topology with training config', async () => {
      const { modelFile } = await writeTinyModel(folder, {
        edit: (json) => {
          json.modelTopology = {
            keras_version: '2.1.6',
            backend: 'tensorflow',
            model_config: tinyTopology(),
            training_config: {
              loss: 'sparse_categorical_crossentropy',
              metrics: ['accuracy'],
              optimizer_config: { class_name: 'Adam', config: { lr: 0.001, beta_1: 0.9 } },
            },
          };
        },
      });

      const loaded = await loadTfjsLayersModel(modelFile);
      try {
        assert.equal(loaded.training.loss, 'sparse_categorical_crossentropy');
        assert.equal(loaded.training.rawLoss, 'sparse_categorical_crossentropy');
        assert.equal(loaded.training.optimizer, 'Adam');
        assert.equal(loaded.training.learningRate, 0.001);
      } finally {
        loaded.model.dispose();
      }
    });

    it('reads a TensorFlow.js trainingConfig', async () => {
      const { modelFile } = await writeTinyModel(folder, {
        edit: (json) => {
          json.trainingConfig = {
            loss: 'meanSquaredError',
            metrics: [],
            optimizer_config: { class_name: 'SGD', config: { learningRate: 0.1 } },
          };
        },
      });

      const loaded = await loadTfjsLayersModel(modelFile);
      try {
        assert.equal(loaded.training.loss, 'mean_squared_error');
        assert.equal(loaded.training.rawLoss, 'meanSquaredError');
        assert.equal(loaded.training.optimizer, 'SGD');
        assert.equal(loaded.training.learningRate, 0.1);
      } finally {
        loaded.model.dispose();
      }
    });

    it('LSTM with cell names loads without initializers', async () => {
      // tfjs 4.22's Orthogonal initializer takes seconds for this 64 × 256
      // recurrent kernel. The loader must not run it, because the file has the values.
      const units = 64;
      const features = 8;
      const shapes: [string, number[]][] = [
        ['lstm/lstm_cell/kernel', [features, 4 * units]],
        ['lstm/lstm_cell/recurrent_kernel', [units, 4 * units]],
        ['lstm/lstm_cell/bias', [4 * units]],
        ['head/kernel', [units, 1]],
        ['head/bias', [1]],
      ];
      const count = shapes.reduce((sum, [, shape]) => sum + shape.reduce((product, size) => product * size, 1), 0);
      const values = tinyWeightValues(count).map((value) => value / 4);
      const { modelFile } = await writeTinyModel(folder, {
        values,
        edit: (json) => {
          json.modelTopology = {
            class_name: 'Sequential',
            config: {
              name: 'recurrent',
              layers: [
                {
                  class_name: 'LSTM',
                  config: {
                    name: 'lstm',
                    units,
                    activation: 'tanh',
                    recurrent_activation: 'sigmoid',
                    use_bias: true,
                    unit_forget_bias: true,
                    return_sequences: false,
                    kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
                    recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1, seed: null } },
                    bias_initializer: { class_name: 'Zeros', config: {} },
                    batch_input_shape: [null, 5, features],
                    dtype: 'float32',
                  },
                },
                { class_name: 'Dense', config: { name: 'head', units: 1, activation: 'linear', use_bias: true } },
              ],
            },
          };
          firstGroup(json).weights = shapes.map(([name, shape]) => ({ name, shape, dtype: 'float32' }));
        },
      });

      const started = Date.now();
      const loaded = await loadTfjsLayersModel(modelFile);
      const elapsedMs = Date.now() - started;
      try {
        const recurrentKernel = loaded.model.getLayer('lstm').getWeights()[1].dataSync();
        const offset = features * 4 * units;
        assert.deepEqual(Array.from(recurrentKernel), Array.from(values.subarray(offset, offset + units * 4 * units)));
        assert.ok(elapsedMs < 2000, `loading took ${elapsedMs} ms`);
      } finally {
        loaded.model.dispose();
      }
    });

    it('ignores optimizer weights with a note', async () => {
      const values = new Float32Array([...tinyWeightValues(), 7, 8, 9]);
      const { modelFile } = await writeTinyModel(folder, {
        values,
        edit: (json) => {
          firstGroup(json).weights.push({ name: 'Adam/iter', shape: [3], dtype: 'float32', group: 'optimizer' });
        },
      });

      const loaded = await loadTfjsLayersModel(modelFile);
      try {
        assert.ok(loaded.notes.some((note) => /contains 1 optimizer weight, which the analysis ignores/.test(note)), loaded.notes.join(' | '));
        assert.equal(loaded.model.getWeights().length, 4);
      } finally {
        loaded.model.dispose();
      }
    });
  });

  describe('quantized weights', () => {
    let folder: string;

    beforeEach(async () => {
      folder = await makeTempDir();
    });

    afterEach(async () => {
      await fs.rm(folder, { recursive: true, force: true });
    });

    /**
     * Writes the tiny model with every weight quantized as `storedAs`. Returns
     * the dequantized values TensorFlow.js should produce and each value's
     * distance from the original in quantization steps.
     */
    async function writeQuantized(
      storedAs: 'uint8' | 'uint16',
    ): Promise<{ modelFile: string; expected: number[]; errorInSteps: number[] }> {
      const levels = storedAs === 'uint8' ? 255 : 65535;
      const original = tinyWeightValues().map((value, i) => value + i / 1000);
      const chunks: Buffer[] = [];
      const expected: number[] = [];
      const scales: number[] = [];
      const specs: Record<string, unknown>[] = [];
      let offset = 0;
      for (const [name, shape] of Object.entries(TINY_WEIGHT_SHAPES)) {
        const count = shape.reduce((product, size) => product * size, 1);
        const slice = Array.from(original.subarray(offset, offset + count));
        offset += count;
        const min = Math.min(...slice);
        const scale = (Math.max(...slice) - min) / levels || 1;
        const quantized = slice.map((value) => Math.round((value - min) / scale));
        const stored = storedAs === 'uint8' ? Uint8Array.from(quantized) : Uint16Array.from(quantized);
        chunks.push(Buffer.from(stored.buffer));
        expected.push(...quantized.map((level) => Math.fround(level * scale + min)));
        scales.push(...slice.map(() => scale));
        specs.push({ name, shape, dtype: 'float32', quantization: { dtype: storedAs, min, scale } });
      }
      const { modelFile, shardFile } = await writeTinyModel(folder, {
        edit: (json) => {
          firstGroup(json).weights = specs;
        },
      });
      await fs.writeFile(shardFile, Buffer.concat(chunks));
      const errorInSteps = scales.map((scale, i) => Math.abs(expected[i] - original[i]) / scale);
      return { modelFile, expected, errorInSteps };
    }

    for (const storedAs of ['uint8', 'uint16'] as const) {
      it(`dequantizes ${storedAs}`, async () => {
        const { modelFile, expected, errorInSteps } = await writeQuantized(storedAs);

        const loaded = await loadTfjsLayersModel(modelFile);
        try {
          const values = loaded.model.getWeights().flatMap((tensor) => Array.from(tensor.dataSync()));
          assert.deepEqual(values, expected);
          assert.ok(errorInSteps.every((steps) => steps <= 0.5 + 1e-6), 'a value is more than half a step from the original');
          assert.ok(loaded.notes.some((note) => note.includes(`quantized (${storedAs})`)), loaded.notes.join(' | '));
        } finally {
          loaded.model.dispose();
        }
      });
    }

    it('dequantizes float16', async () => {
      const values = tinyWeightValues();
      const halves = Uint16Array.from(values, toFloat16Bits);
      const { modelFile, shardFile } = await writeTinyModel(folder, {
        edit: (json) => {
          for (const spec of firstGroup(json).weights) {
            spec.quantization = { dtype: 'float16' };
          }
        },
      });
      await fs.writeFile(shardFile, Buffer.from(halves.buffer));

      const loaded = await loadTfjsLayersModel(modelFile);
      try {
        const loadedValues = loaded.model.getWeights().flatMap((tensor) => Array.from(tensor.dataSync()));
        assert.deepEqual(loadedValues, Array.from(values));
      } finally {
        loaded.model.dispose();
      }
    });
  });
});

/**
 * IEEE half-precision bits of `value`, exact for the multiples of 1/8 in
 * [-0.5, 0.5] that the tiny model uses (their mantissas fit in 10 bits).
 */
function toFloat16Bits(value: number): number {
  if (value === 0) {
    return 0;
  }
  const bits = new Uint32Array(new Float32Array([value]).buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = (bits >>> 13) & 0x3ff;
  return sign | (exponent << 10) | mantissa;
}

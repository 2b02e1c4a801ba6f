/**
 * Small TensorFlow.js layers models written into temporary folders, for the
 * loader tests that need a model to break in a precise way.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

import { InputError } from '../../../src/engine/errors';

/** Creates an empty temporary folder for one test. */
export async function makeTempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'hessian-models-'));
}

/** Shapes of the tiny model's weights, in manifest order. */
export const TINY_WEIGHT_SHAPES: Record<string, number[]> = {
  'hidden/kernel': [3, 4],
  'hidden/bias': [4],
  'output/kernel': [4, 2],
  'output/bias': [2],
};

/** Number of float32 values of the tiny model: 3·4 + 4 + 4·2 + 2. */
export const TINY_VALUE_COUNT = 26;

/**
 * Topology of Dense(3 → 4, relu) → Dense(4 → 2, softmax) in the current
 * Sequential format, as tfjs-layers 4.x writes it.
 */
export function tinyTopology(hiddenUnits = 4): Record<string, unknown> {
  return {
    class_name: 'Sequential',
    config: {
      name: 'tiny',
      layers: [
        {
          class_name: 'Dense',
          config: {
            name: 'hidden',
            units: hiddenUnits,
            activation: 'relu',
            use_bias: true,
            batch_input_shape: [null, 3],
            dtype: 'float32',
            kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
            bias_initializer: { class_name: 'Zeros', config: {} },
          },
        },
        {
          class_name: 'Dense',
          config: {
            name: 'output',
            units: 2,
            activation: 'softmax',
            use_bias: true,
            kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
            bias_initializer: { class_name: 'Zeros', config: {} },
          },
        },
      ],
    },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
}

/** Distinct, exactly representable values: -0.5, -0.375, … in steps of 1/8, cycling. */
export function tinyWeightValues(count = TINY_VALUE_COUNT): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    values[i] = ((i % 9) - 4) / 8;
  }
  return values;
}

export interface WrittenModel {
  folder: string;
  modelFile: string;
  shardFile: string;
  json: Record<string, unknown>;
  values: Float32Array;
}

/**
 * Writes the tiny model into `folder`: `modelFileName` (default model.json)
 * and weights.bin. `edit` may change the model JSON before it is written.
 */
export async function writeTinyModel(
  folder: string,
  options: { modelFileName?: string; values?: Float32Array; edit?: (json: Record<string, unknown>) => void } = {},
): Promise<WrittenModel> {
  const values = options.values ?? tinyWeightValues();
  const json: Record<string, unknown> = {
    format: 'layers-model',
    generatedBy: 'hessian-spectrum tests',
    convertedBy: null,
    modelTopology: tinyTopology(),
    weightsManifest: [
      {
        paths: ['weights.bin'],
        weights: Object.entries(TINY_WEIGHT_SHAPES).map(([name, shape]) => ({ name, shape, dtype: 'float32' })),
      },
    ],
  };
  options.edit?.(json);

  const modelFile = path.join(folder, options.modelFileName ?? 'model.json');
  const shardFile = path.join(folder, 'weights.bin');
  await fs.writeFile(modelFile, JSON.stringify(json, null, 2));
  await fs.writeFile(shardFile, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  return { folder, modelFile, shardFile, json, values };
}

/** Returns the single weight group of a model written by `writeTinyModel`. */
export function firstGroup(json: Record<string, unknown>): { paths: unknown[]; weights: Record<string, unknown>[] } {
  return (json.weightsManifest as { paths: unknown[]; weights: Record<string, unknown>[] }[])[0];
}

/**
 * Awaits `promise`, asserts that it rejects with an InputError naming `file`,
 * and returns the error for further checks.
 */
export async function expectInputError(promise: Promise<unknown>, file: string): Promise<InputError> {
  let caught: unknown = null;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught !== null, 'expected a rejection, but the promise resolved');
  assert.ok(caught instanceof InputError, `expected an InputError, got ${String(caught)}`);
  assert.equal(caught.file, file);
  assert.ok(caught.message.startsWith(`${file}: `), `message does not start with the file: ${caught.message}`);
  assert.ok(caught.fix.length > 0, 'the error gives no fix');
  return caught;
}

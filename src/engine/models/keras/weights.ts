/**
 * Writes the weight arrays of a Keras file into the variables of the
 * TensorFlow.js model built from its config, with every check done before the
 * first write.
 */
import * as tf from '@tensorflow/tfjs';

import { InputError } from '../../errors';
import { assertFiniteWeights, assertWeightShape, formatNameList } from '../validation';
import type { Hdf5Array } from './hdf5';

/**
 * The weight arrays that a Keras file stores for one layer, in the order of
 * the layer's `weights` (trainable weights first, each group in creation
 * order), which is the order both Keras 2's `weight_names` and Keras 3's
 * `vars/0, vars/1, …` follow.
 */
export interface StoredLayerWeights {
  /** Number of arrays stored for the layer. */
  count: number;
  /** Location of the arrays in the file, for messages, for instance `/model_weights/dense_1`. */
  location: string;
  /** Shape of array `index`, read without its values. */
  shape(index: number): number[];
  /** Values of array `index`, read only after its shape matched. */
  read(index: number): Hdf5Array;
}

const MISMATCH_FIX = 'The configuration and the weights come from different models, or the file is damaged: save the model again';

/**
 * Writes `stored` (layer name → arrays) into `model`. Nothing is written
 * unless every check passes, and no tensor is left allocated.
 *
 * Throws an InputError naming `file` when a layer with weights has no arrays
 * in the file, or the file stores arrays for a layer the model lacks. It does
 * the same when the number of arrays differs from the layer's number of
 * weights, when a shape differs, or when a value is NaN or infinite.
 */
export function assignStoredWeights(file: string, model: tf.LayersModel, stored: Map<string, StoredLayerWeights>): void {
  const pending: { variable: tf.LayerVariable; values: Float32Array; shape: number[] }[] = [];
  const modelLayerNames = new Set<string>();

  for (const layer of model.layers) {
    modelLayerNames.add(layer.name);
    const variables = layer.weights;
    const arrays = stored.get(layer.name);
    if (variables.length === 0) {
      assertNoStoredArrays(file, layer.name, arrays);
      continue;
    }
    if (arrays === undefined) {
      throw new InputError(file, `The file stores no weights for layer "${layer.name}" (${layer.getClassName()}), which has ${variables.length}`, MISMATCH_FIX);
    }
    if (arrays.count !== variables.length) {
      throw new InputError(
        file,
        `Layer "${layer.name}" (${layer.getClassName()}) has ${variables.length} weights, but the file stores ${arrays.count} arrays for it at ${arrays.location}`,
        MISMATCH_FIX,
      );
    }

    variables.forEach((variable, index) => {
      const expectedShape = variable.shape as number[];
      assertWeightShape(file, layer.name, variable.originalName, expectedShape, arrays.shape(index));
      const { values } = arrays.read(index);
      assertFiniteWeights(file, variable.originalName, values);
      pending.push({ variable, values, shape: expectedShape });
    });
  }

  const strayLayers = [...stored.entries()].filter(([name, arrays]) => !modelLayerNames.has(name) && arrays.count > 0).map(([name]) => name);
  if (strayLayers.length > 0) {
    throw new InputError(file, `The file stores weights for the layers ${formatNameList(strayLayers)}, which the model config does not have`, MISMATCH_FIX);
  }

  for (const { variable, values, shape } of pending) {
    const tensor = tf.tensor(values, shape, 'float32');
    try {
      variable.write(tensor);
    } finally {
      tensor.dispose();
    }
  }
}

function assertNoStoredArrays(file: string, layerName: string, arrays: StoredLayerWeights | undefined): void {
  if (arrays !== undefined && arrays.count > 0) {
    throw new InputError(file, `The file stores ${arrays.count} arrays for layer "${layerName}", which has no weights`, MISMATCH_FIX);
  }
}

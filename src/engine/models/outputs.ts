/**
 * The analysed part of a loaded model: one of its outputs and the trainable
 * layers that feed it.
 */
import * as tf from '@tensorflow/tfjs';

import { UsageError } from '../errors';
import type { LayerWeights, LoadedModel } from './types';
import { numElements } from './validation';

/** One output of a loaded model, as a model of its own. */
export interface SelectedOutput {
  /** Single-output model sharing the layers and variables of the loaded model. */
  model: tf.LayersModel;
  /** Index of the output among the loaded model's outputs. */
  index: number;
  /** Name of the layer that produces the output. */
  name: string;
}

/**
 * Returns a single-output model for output `outputIndex` of `loaded.model`
 * (default: the last output, which is the classifier in models that expose
 * intermediate layers as outputs). The returned model shares the layers and
 * variables of `loaded.model`, so writing a weight of one changes the other.
 * A model with one output is returned as it is.
 *
 * NOTE: dispose only `loaded.model`; disposing a model returned here also
 * disposes the shared layers' weights.
 *
 * Throws a UsageError listing the outputs' names when `outputIndex` is not an
 * integer from 0 to the number of outputs minus 1.
 */
export function selectOutput(loaded: LoadedModel, outputIndex?: number): SelectedOutput {
  const model = loaded.model;
  const count = model.outputs.length;
  const index = outputIndex ?? count - 1;

  if (!Number.isInteger(index) || index < 0 || index >= count) {
    const names = listOutputNames(model).map((name, i) => `${i} "${name}"`).join(', ');
    throw new UsageError(
      `Output ${index} does not exist: ${loaded.path} has ${count} output${count === 1 ? '' : 's'}: ${names}`,
      `Pick an output index from 0 to ${count - 1}, or none for the last output`,
    );
  }

  const name = listOutputNames(model)[index];
  if (count === 1) {
    return { model, index, name };
  }
  const single = tf.model({ inputs: model.inputs, outputs: model.outputs[index], name: `${model.name}_output_${index}` });
  return { model: single, index, name };
}

/**
 * Lists the names of the layers that produce the outputs of `model`, in output order.
 * Unlike `model.outputNames`, which a Sequential model leaves empty, this
 * works for every layers model.
 */
export function listOutputNames(model: tf.LayersModel): string[] {
  return model.outputs.map((output) => output.sourceLayer.name);
}

/**
 * Lists the layers of `model` that have trainable weights, in the order their
 * weights appear in the parameter vector, which is the order of
 * `model.trainableWeights`. For a model from `selectOutput` these are the
 * layers that feed the selected output. A nested model appears as one entry.
 */
export function listTrainableLayers(model: tf.LayersModel): LayerWeights[] {
  const layers: LayerWeights[] = [];
  for (const layer of model.layers) {
    const variables = layer.trainableWeights;
    if (variables.length === 0) {
      continue;
    }
    layers.push({
      name: layer.name,
      className: layer.getClassName(),
      variables,
      numParameters: variables.reduce((sum, variable) => sum + numElements(variable.shape as number[]), 0),
    });
  }
  return layers;
}

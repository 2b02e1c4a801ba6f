import * as tf from '@tensorflow/tfjs';

import { InputError } from '../errors';
import type { ModelFormat } from '../report';
import { errorMessage } from './validation';

/*
 * Errors that TensorFlow.js throws while it builds a model, turned into
 * InputErrors. Kept apart from validation.ts because it needs TensorFlow.js at
 * run time, which the language server's model-file check must not load.
 */

/**
 * Lists the layer classes that TensorFlow.js 4.22 can deserialize, sorted,
 * from its serialization registry.
 */
export function loadableLayerClasses(): string[] {
  const registry = tf.serialization.SerializationMap.getMap().classNameMap;
  const layerBase = tf.layers.Layer as unknown as { prototype: object };
  return Object.keys(registry)
    .filter((className) => {
      const constructor = registry[className][0] as unknown as { prototype: object };
      return constructor.prototype instanceof (layerBase as unknown as new () => object);
    })
    .sort();
}

/**
 * Converts an error that TensorFlow.js threw while building a model from the
 * topology in `file` into an InputError. An unknown layer class is named
 * together with the classes that can be loaded. An unknown activation,
 * initializer, regularizer or constraint is named as such. Any other error
 * keeps the first line of TensorFlow.js's message, with a fix for the tools
 * that write files of `format`.
 */
export function modelBuildError(file: string, error: unknown, format: ModelFormat = 'tfjs-layers'): InputError {
  const message = errorMessage(error);
  const saveAgain = format === 'tfjs-layers' ? 'export the model again' : 'save the model again with Keras';

  const unknownLayer = /Unknown layer: ([^\s.]+)/.exec(message);
  if (unknownLayer) {
    return new InputError(
      file,
      `The model uses the layer class "${unknownLayer[1]}", which TensorFlow.js 4.22 does not provide. Supported layer classes: ${loadableLayerClasses().join(', ')}`,
      `Replace the layer with a supported one and ${saveAgain}`,
    );
  }

  const unknownObject = /Unknown (activation|initializer|regularizer|constraint|loss|metric|optimizer)[^:]*: ([^\s.]+)/.exec(message);
  if (unknownObject) {
    return new InputError(
      file,
      `The model uses the ${unknownObject[1]} "${unknownObject[2]}", which TensorFlow.js 4.22 does not provide`,
      `Replace the ${unknownObject[1]} with one that TensorFlow.js provides and ${saveAgain}`,
    );
  }

  const firstLine = message.split('\n')[0];
  if (format === 'tfjs-layers') {
    return new InputError(
      file,
      `TensorFlow.js 4.22 cannot build the model from its topology: ${firstLine}`,
      'Export the model again with model.save() in TensorFlow.js or with tensorflowjs_converter as a layers model',
    );
  }
  return new InputError(
    file,
    `TensorFlow.js 4.22 cannot build the model from its Keras config: ${firstLine}`,
    'Check that the model loads in Keras with keras.models.load_model(), then save it again with model.save() and analyze the new file',
  );
}

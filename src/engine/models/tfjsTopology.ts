/**
 * Rewrites the modelTopology of a TensorFlow.js layers model into the form that
 * tfjs-layers 4.22 deserializes, and prepares it for a fast build.
 */
import { InputError } from '../errors';
import { isPlainObject } from './validation';

/** A topology in the current format, with the facts worth a line in the report. */
export interface NormalizedTopology {
  /** `{class_name, config}` where a Sequential config is `{name, layers}`. */
  topology: Record<string, unknown>;
  notes: string[];
}

/**
 * Returns a copy of `rawTopology` in the current format. It accepts the old
 * Sequential format (a bare list of layer configs, or `{class_name:
 * 'Sequential', config: [...]}` as tfjs-layers 0.x and Keras 1 wrote it) and
 * the `{model_config, training_config}` wrapper of converted Keras files.
 * Throws an InputError naming `file` when the topology has no class_name or
 * a layer entry is not a `{class_name, config}` object.
 */
export function normalizeTopology(file: string, rawTopology: unknown): NormalizedTopology {
  const notes: string[] = [];
  let topology: unknown = structuredClone(rawTopology);

  if (isPlainObject(topology) && isPlainObject(topology.model_config)) {
    topology = topology.model_config;
  }

  if (Array.isArray(topology)) {
    topology = { class_name: 'Sequential', config: topology };
  }
  if (!isPlainObject(topology) || typeof topology.class_name !== 'string') {
    throw new InputError(
      file,
      'modelTopology has no class_name, so it does not describe a Sequential or functional model',
      'Export the model again with model.save() in TensorFlow.js or with tensorflowjs_converter',
    );
  }

  if (topology.class_name === 'Sequential' && Array.isArray(topology.config)) {
    topology = { ...topology, config: { name: 'sequential', layers: topology.config } };
    notes.push('The model file uses the old Sequential format (a bare list of layers); it was read as the current format.');
  }

  const normalized = topology as Record<string, unknown>;
  assertLayerEntries(file, normalized);
  return { topology: normalized, notes };
}

function assertLayerEntries(file: string, topology: Record<string, unknown>): void {
  const config = topology.config;
  if (!isPlainObject(config) || !Array.isArray(config.layers)) {
    throw new InputError(
      file,
      `The ${String(topology.class_name)} topology has no list of layers in its config`,
      'Export the model again with model.save() in TensorFlow.js or with tensorflowjs_converter',
    );
  }
  config.layers.forEach((layer, index) => {
    if (!isPlainObject(layer) || typeof layer.class_name !== 'string' || !isPlainObject(layer.config)) {
      throw new InputError(
        file,
        `Layer ${index} of the topology is not an object with a class_name and a config`,
        'Export the model again with model.save() in TensorFlow.js or with tensorflowjs_converter',
      );
    }
  });
}

/**
 * Returns a copy of `topology` in which every `*_initializer` entry, at any
 * depth (wrapped layers and RNN cells too), is the Zeros initializer.
 *
 * The loader overwrites every weight from the file, so initial values are
 * wasted work, and some are slow. tfjs 4.22's Orthogonal initializer, the
 * default for LSTM and GRU recurrent kernels, took 8 s for one 64 × 256 matrix
 * on the cpu backend of a 2-core machine. TensorFlow.js's own loader also
 * builds with zeros when it loads weights.
 *
 * NOTE: the built model's getConfig() reports Zeros initializers.
 */
export function withZeroInitializers(topology: Record<string, unknown>): Record<string, unknown> {
  return replaceInitializers(topology) as Record<string, unknown>;
}

function replaceInitializers(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(replaceInitializers);
  }
  if (!isPlainObject(value)) {
    return value;
  }
  // Object.fromEntries keeps a key "__proto__" from the file as an own property, where an assignment would set the prototype.
  return Object.fromEntries(
    Object.entries(value).map(([key, entry]) => {
      const isInitializer = key.endsWith('_initializer') && entry !== null && entry !== undefined;
      return [key, isInitializer ? { class_name: 'Zeros', config: {} } : replaceInitializers(entry)];
    }),
  );
}

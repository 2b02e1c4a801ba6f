/**
 * Translates a Keras model config (Sequential or functional, in the
 * serialization of Keras 2, tf.keras or Keras 3) into a TensorFlow.js 4.22
 * layers-model topology.
 */
import { InputError } from '../../errors';
import { isPlainObject } from '../validation';
import { type KerasLayerEntry, type KerasMajorVersion, translateLayerConfig } from './layerConfigs';

/** A TensorFlow.js topology with the Keras layers it came from. */
export interface TranslatedModel {
  /** `{class_name: 'Sequential' | 'Model', config: {name, layers, ...}}` for tf.io.fromMemory. */
  topology: Record<string, unknown>;
  /** True for a Sequential model, whose Keras 3 weight layout leaves out the InputLayer. */
  isSequential: boolean;
  /** The Keras layers in config order, which is the order Keras 3 saves their weights in. */
  layers: KerasLayerEntry[];
  notes: string[];
}

const CONFIG_FIX = 'Save the model again with model.save() in Keras';

/**
 * Translates `raw`, the parsed `model_config` of a Keras 2 .h5 file or the
 * config.json of a Keras 3 archive.
 *
 * A Sequential model may list its layers bare (Keras 2.1 and older) or as
 * `{name, layers}`. A functional model (`Model` or `Functional`) may give its
 * inbound nodes as Keras 2 lists (`[[layer, node, tensor, kwargs], ...]`) or
 * as Keras 3 `{args, kwargs}` objects with `__keras_tensor__` references.
 *
 * Throws an InputError naming `file` for a subclassed model, a malformed
 * config, a duplicate layer name, or any layer that `translateLayerConfig`
 * rejects.
 */
export function translateModelConfig(file: string, raw: unknown, kerasVersion: KerasMajorVersion): TranslatedModel {
  if (!isPlainObject(raw) || typeof raw.class_name !== 'string') {
    throw new InputError(file, 'The model config has no class_name, so it describes no Keras model', CONFIG_FIX);
  }

  const className = raw.class_name;
  if (className === 'Sequential') {
    return translateSequential(file, raw.config, kerasVersion);
  }
  if (className === 'Functional' || className === 'Model') {
    return translateFunctional(file, raw.config, kerasVersion);
  }
  throw new InputError(
    file,
    `The model is of class ${className}, a subclassed model whose layers Keras does not record, and the loader reads Sequential and functional models only`,
    'Rebuild the model with keras.Sequential or the functional API (keras.Model(inputs, outputs)), train and save it again',
  );
}

function translateSequential(file: string, config: unknown, kerasVersion: KerasMajorVersion): TranslatedModel {
  const notes: string[] = [];
  let rawLayers: unknown;
  let name = 'sequential';
  let buildInputShape: unknown = null;
  if (Array.isArray(config)) {
    rawLayers = config;
  } else if (isPlainObject(config)) {
    rawLayers = config.layers;
    name = typeof config.name === 'string' ? config.name : name;
    buildInputShape = config.build_input_shape ?? null;
  }
  if (!Array.isArray(rawLayers) || rawLayers.length === 0) {
    throw new InputError(file, 'The Sequential model config has no list of layers', CONFIG_FIX);
  }

  const entries = rawLayers.map((entry, index) => readLayerEntry(file, entry, index));
  assertUniqueNames(file, entries.map(({ layer }) => layer));
  const layers = entries.map(({ layer, registeredName }) => ({
    class_name: layer.className,
    config: translateLayerConfig(file, layer, registeredName, kerasVersion, notes),
  }));

  // Keras 3 records the input shape of a Sequential model built without an
  // InputLayer in build_input_shape; TensorFlow.js needs it on the first layer.
  const first = layers[0].config;
  if (layers[0].class_name !== 'InputLayer' && first.batch_input_shape === undefined && Array.isArray(buildInputShape)) {
    first.batch_input_shape = buildInputShape;
  }

  return {
    topology: { class_name: 'Sequential', config: { name, layers } },
    isSequential: true,
    layers: entries.map(({ layer }) => layer),
    notes,
  };
}

function translateFunctional(file: string, config: unknown, kerasVersion: KerasMajorVersion): TranslatedModel {
  if (!isPlainObject(config) || !Array.isArray(config.layers) || config.layers.length === 0) {
    throw new InputError(file, 'The functional model config has no list of layers', CONFIG_FIX);
  }
  const notes: string[] = [];
  const entries = config.layers.map((entry, index) => readLayerEntry(file, entry, index));
  assertUniqueNames(file, entries.map(({ layer }) => layer));

  const layers = entries.map(({ layer, registeredName, inboundNodes }) => ({
    class_name: layer.className,
    name: layer.name,
    config: translateLayerConfig(file, layer, registeredName, kerasVersion, notes),
    inbound_nodes: translateInboundNodes(file, layer, inboundNodes, notes),
  }));

  return {
    topology: {
      class_name: 'Model',
      config: {
        name: typeof config.name === 'string' ? config.name : 'model',
        layers,
        input_layers: tensorReferences(file, 'input_layers', config.input_layers),
        output_layers: tensorReferences(file, 'output_layers', config.output_layers),
      },
    },
    isSequential: false,
    layers: entries.map(({ layer }) => layer),
    notes,
  };
}

interface LayerEntry {
  layer: KerasLayerEntry;
  /** Keras 3's registered_name, which differs from class_name for custom layers. */
  registeredName: unknown;
  inboundNodes: unknown;
}

function readLayerEntry(file: string, entry: unknown, index: number): LayerEntry {
  if (!isPlainObject(entry) || typeof entry.class_name !== 'string' || !isPlainObject(entry.config)) {
    throw new InputError(file, `Layer ${index} of the model config is not an object with a class_name and a config`, CONFIG_FIX);
  }
  const name = entry.config.name ?? entry.name;
  if (typeof name !== 'string' || name === '') {
    throw new InputError(file, `Layer ${index} (${entry.class_name}) of the model config has no name`, CONFIG_FIX);
  }
  return {
    layer: { className: entry.class_name, name, config: entry.config },
    registeredName: entry.registered_name,
    inboundNodes: entry.inbound_nodes,
  };
}

function assertUniqueNames(file: string, layers: KerasLayerEntry[]): void {
  const seen = new Set<string>();
  for (const layer of layers) {
    if (seen.has(layer.name)) {
      throw new InputError(file, `Two layers of the model config are named "${layer.name}"`, CONFIG_FIX);
    }
    seen.add(layer.name);
  }
}

/**
 * Inbound nodes in the Keras 2 form that TensorFlow.js reads: one list per
 * call of the layer, holding `[layer, nodeIndex, tensorIndex, kwargs]` per
 * input. Call arguments (`training`, `mask`) are dropped because the engine
 * runs in inference mode.
 */
function translateInboundNodes(file: string, layer: KerasLayerEntry, nodes: unknown, notes: string[]): unknown[][] {
  if (nodes === undefined || nodes === null) {
    return [];
  }
  if (!Array.isArray(nodes)) {
    throw new InputError(file, `The inbound_nodes of layer "${layer.name}" are not a list`, CONFIG_FIX);
  }

  return nodes.map((node) => {
    let references: unknown[][];
    let kwargs: unknown[];
    if (Array.isArray(node)) {
      references = node.map((input) => keras2Reference(file, layer, input));
      kwargs = node.map((input) => (Array.isArray(input) ? input[3] : undefined));
    } else if (isPlainObject(node) && Array.isArray(node.args)) {
      references = collectKerasTensors(node.args);
      kwargs = [node.kwargs];
    } else {
      throw new InputError(file, `An inbound node of layer "${layer.name}" is neither a list nor an {args, kwargs} object`, CONFIG_FIX);
    }
    if (references.length === 0) {
      throw new InputError(file, `An inbound node of layer "${layer.name}" names no input`, CONFIG_FIX);
    }

    const extraArguments = kwargs.flatMap((entry) => (isPlainObject(entry) ? Object.keys(entry) : [])).filter((key) => key !== 'training');
    if (extraArguments.length > 0) {
      notes.push(`Layer "${layer.name}" is called with the arguments ${[...new Set(extraArguments)].join(', ')}, which were dropped.`);
    }
    return references.map(([layerName, nodeIndex, tensorIndex]) => [layerName, nodeIndex, tensorIndex, {}]);
  });
}

function keras2Reference(file: string, layer: KerasLayerEntry, input: unknown): unknown[] {
  if (Array.isArray(input) && typeof input[0] === 'string' && Number.isInteger(input[1]) && Number.isInteger(input[2])) {
    return input.slice(0, 3);
  }
  throw new InputError(file, `An inbound node of layer "${layer.name}" contains ${JSON.stringify(input)} instead of [layer, node, tensor]`, CONFIG_FIX);
}

/** `[layer, nodeIndex, tensorIndex]` of every Keras 3 `__keras_tensor__` in `value`, in order. */
function collectKerasTensors(value: unknown): unknown[][] {
  if (Array.isArray(value)) {
    return value.flatMap(collectKerasTensors);
  }
  if (!isPlainObject(value)) {
    return [];
  }
  if (value.class_name === '__keras_tensor__' && isPlainObject(value.config) && Array.isArray(value.config.keras_history)) {
    return [value.config.keras_history.slice(0, 3)];
  }
  return Object.values(value).flatMap(collectKerasTensors);
}

/**
 * Returns the model's `input_layers` or `output_layers` as a list of
 * `[layer, nodeIndex, tensorIndex]`. Keras 3 writes a single one unwrapped
 * (`["input_layer", 0, 0]`) and named ones as a dict.
 */
function tensorReferences(file: string, key: string, value: unknown): unknown[][] {
  const isReference = (item: unknown): boolean => Array.isArray(item) && typeof item[0] === 'string';
  let list: unknown[];
  if (isReference(value)) {
    list = [value];
  } else if (Array.isArray(value)) {
    list = value;
  } else if (isPlainObject(value)) {
    list = Object.values(value);
  } else {
    list = [];
  }
  if (list.length === 0 || !list.every(isReference)) {
    throw new InputError(file, `The functional model config has no valid ${key}`, CONFIG_FIX);
  }
  return (list as unknown[][]).map((reference) => reference.slice(0, 3));
}

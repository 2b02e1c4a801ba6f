/**
 * Loads a Keras 3 `.keras` archive: config.json (the model config with its
 * compile_config), metadata.json (the Keras version) and model.weights.h5,
 * whose groups are named after the layer classes rather than the layers.
 */
import * as tf from '@tensorflow/tfjs';

import { InputError } from '../../errors';
import { buildLayersModel } from '../tfjsLayers';
import type { LoadedModel, LoadLimits } from '../types';
import { isPlainObject } from '../validation';
import { readKerasArchive, WEIGHTS_ENTRY } from './archive';
import { Hdf5Reader } from './hdf5';
import { kerasMajorVersion, parseConfigJson } from './kerasVersion';
import type { KerasLayerEntry } from './layerConfigs';
import { type TranslatedModel, translateModelConfig } from './modelConfig';
import { parseKeras3CompileConfig } from './training';
import { assignStoredWeights, type StoredLayerWeights } from './weights';

/** Layers whose variables Keras 3 keeps in their `cell` sub-layer (`layers/lstm/cell/vars`). */
const RECURRENT_CLASSES = new Set(['SimpleRNN', 'LSTM', 'GRU']);

const SAVE_FIX = 'Save the model again with model.save("model.keras") in Keras 3';
const MISMATCH_FIX = 'The configuration and the weights come from different models: save the model again with model.save("model.keras") in Keras 3';

/**
 * Loads the Keras 3 archive in `bytes` (the content of `file`). Optimizer
 * variables (`optimizer/vars`) are never read as weights, and a note gives
 * their count. Throws an InputError naming `file` for a hostile or corrupt
 * archive (see `readKerasArchive`), a truncated or corrupt model.weights.h5,
 * an unsupported layer or activation, and weights that do not fit the config
 * or are not finite.
 */
export async function loadKerasArchive(file: string, bytes: Uint8Array, limits: LoadLimits): Promise<LoadedModel> {
  const archive = readKerasArchive(file, bytes, limits.maxFileBytes);
  const metadata = archive.metadata === null ? null : parseConfigJson(file, 'metadata.json in the archive', archive.metadata);
  const kerasVersion = isPlainObject(metadata) && typeof metadata.keras_version === 'string' ? metadata.keras_version : null;

  const config = parseConfigJson(file, 'config.json in the archive', archive.config);
  // A .keras archive without a version was written by Keras 3, whose format it is.
  const translated = translateModelConfig(file, config, kerasVersion === null ? 3 : kerasMajorVersion(kerasVersion));

  const reader = new Hdf5Reader(file, archive.weights, `${WEIGHTS_ENTRY} in the archive`);
  const stored = storedWeights(reader, translated);
  const notes = [describeOrigin(kerasVersion), ...translated.notes, ...optimizerNotes(reader)];

  const model = await buildLayersModel(file, translated.topology, 'keras-v3');
  try {
    assignStoredWeights(file, model, stored);
  } catch (error) {
    model.dispose();
    throw error;
  }

  const compileConfig = isPlainObject(config) ? config.compile_config : undefined;
  const { training, notes: trainingNotes } = parseKeras3CompileConfig(compileConfig, model.outputNames);
  return { path: file, format: 'keras-v3', model, training, files: [file], notes: [...notes, ...trainingNotes] };
}

/**
 * Maps the layers of the config to their groups in model.weights.h5 the way
 * Keras 3's saving_lib names them. Each layer of `model.layers`, in order,
 * gets the snake_case name of its class, with `_1`, `_2`, … for the second and
 * later layers of a class (`layers/dense`, `layers/dense_1`). A Sequential
 * model's `layers` leaves out its InputLayer.
 *
 * Keras 2.13 to 2.15 wrote the same layout under
 * `_layer_checkpoint_dependencies`. Where the `vars` group records the layer's
 * name (the Keras 3.8 and 3.13 files of the tests do), it must match.
 */
function storedWeights(reader: Hdf5Reader, translated: TranslatedModel): Map<string, StoredLayerWeights> {
  const root = ['/layers', '/_layer_checkpoint_dependencies'].find((candidate) => reader.isGroup(candidate));
  const stored = new Map<string, StoredLayerWeights>();
  if (root === undefined) {
    return stored;
  }

  const usedGroups = new Set<string>();
  const classCounts = new Map<string, number>();
  for (const layer of translated.layers) {
    if (translated.isSequential && layer.className === 'InputLayer') {
      continue;
    }
    const baseName = snakeCase(layer.className);
    const count = classCounts.get(baseName);
    classCounts.set(baseName, count === undefined ? 0 : count + 1);
    const groupName = count === undefined ? baseName : `${baseName}_${count + 1}`;
    const location = `${root}/${groupName}`;
    if (!reader.isGroup(location)) {
      continue;
    }
    usedGroups.add(groupName);
    assertRecordedName(reader, `${location}/vars`, layer);

    const varsPath = RECURRENT_CLASSES.has(layer.className) ? `${location}/cell/vars` : `${location}/vars`;
    stored.set(layer.name, layerVariables(reader, varsPath));
  }

  for (const groupName of reader.memberNames(root)) {
    if (!usedGroups.has(groupName) && holdsVariables(reader, `${root}/${groupName}`)) {
      throw new InputError(
        reader.file,
        `${reader.description} holds weights at ${root}/${groupName}, which no layer of config.json maps to`,
        MISMATCH_FIX,
      );
    }
  }
  return stored;
}

/** The arrays `vars/0`, `vars/1`, … of one layer, which must be numbered from 0 without gaps. */
function layerVariables(reader: Hdf5Reader, varsPath: string): StoredLayerWeights {
  const names = reader.isGroup(varsPath) ? reader.memberNames(varsPath) : [];
  const ordered = names.map(Number).sort((a, b) => a - b);
  if (!ordered.every((index, position) => index === position)) {
    throw new InputError(
      reader.file,
      `The variables at ${varsPath} in ${reader.description} are named ${names.join(', ')} instead of 0 to ${names.length - 1}`,
      SAVE_FIX,
    );
  }
  return {
    count: ordered.length,
    location: varsPath,
    shape: (index) => reader.readFloatArrayShape(`${varsPath}/${index}`),
    read: (index) => reader.readFloatArray(`${varsPath}/${index}`),
  };
}

function assertRecordedName(reader: Hdf5Reader, varsPath: string, layer: KerasLayerEntry): void {
  if (!reader.isGroup(varsPath)) {
    return;
  }
  const recordedName = reader.attribute(varsPath, 'name');
  if (typeof recordedName === 'string' && recordedName !== layer.name) {
    throw new InputError(
      reader.file,
      `${reader.description} records the layer "${recordedName}" at ${varsPath}, where the order of config.json puts layer "${layer.name}" (${layer.className})`,
      MISMATCH_FIX,
    );
  }
}

function holdsVariables(reader: Hdf5Reader, location: string): boolean {
  return ['vars', 'cell/vars'].some((sub) => reader.isGroup(`${location}/${sub}`) && reader.memberNames(`${location}/${sub}`).length > 0);
}

function optimizerNotes(reader: Hdf5Reader): string[] {
  if (!reader.isGroup('/optimizer/vars')) {
    return [];
  }
  const count = reader.memberNames('/optimizer/vars').length;
  return [`The archive contains optimizer state (${count} arrays under optimizer/vars), which was ignored, not loaded as weights.`];
}

/**
 * Keras 3's `naming.to_snake_case`: drop non-word characters, then put an
 * underscore before each capitalized word and between a lower-case letter and
 * a capital (`MaxPooling2D` → `max_pooling2d`, `SimpleRNN` → `simple_rnn`).
 */
export function snakeCase(className: string): string {
  return className
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function describeOrigin(kerasVersion: string | null): string {
  const version = kerasVersion === null ? 'an unknown Keras version' : `Keras ${kerasVersion}`;
  return `Loaded from a .keras archive written by ${version}, converted to a TensorFlow.js ${tf.version.tfjs} layers model.`;
}

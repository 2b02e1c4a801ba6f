/**
 * Loads a full-model Keras HDF5 file (`model.save("model.h5")` in Keras 2,
 * tf.keras or Keras 3's legacy format): the `model_config` and
 * `training_config` attributes of the root group, and the weights under
 * `model_weights/<layer>/` in the order of each layer's `weight_names`.
 */
import * as tf from '@tensorflow/tfjs';

import { InputError } from '../../errors';
import { buildLayersModel } from '../tfjsLayers';
import type { LoadedModel } from '../types';
import { Hdf5Reader } from './hdf5';
import { kerasMajorVersion, parseConfigJson } from './kerasVersion';
import { translateModelConfig } from './modelConfig';
import { parseKeras2TrainingConfig } from './training';
import { assignStoredWeights, type StoredLayerWeights } from './weights';

const SAVE_FIX = 'Save the whole model with model.save("model.h5") (or model.save("model.keras") in Keras 3) and analyze that file';

/**
 * Loads the Keras HDF5 model in `bytes` (the content of `file`). Optimizer
 * state (`optimizer_weights`) is never read as weights, and a note gives the
 * number of its arrays. Throws an InputError naming `file` for a truncated or
 * corrupt file, a weights-only file, an unsupported layer or activation, and
 * weights that do not fit the config or are not finite.
 */
export async function loadKerasH5(file: string, bytes: Uint8Array): Promise<LoadedModel> {
  const reader = new Hdf5Reader(file, bytes);
  const kerasVersion = reader.stringAttribute('/', 'keras_version') ?? null;
  const backend = reader.stringAttribute('/', 'backend') ?? null;

  const modelConfigText = reader.stringAttribute('/', 'model_config');
  if (modelConfigText === undefined) {
    const weightsOnly = reader.stringListAttribute('/', 'layer_names') !== undefined || reader.has('/layers');
    const problem = weightsOnly
      ? 'This HDF5 file holds weights only (model.save_weights), without the model config'
      : 'This HDF5 file has no model_config attribute, so it is not a Keras model';
    throw new InputError(file, problem, SAVE_FIX);
  }
  if (!reader.isGroup('/model_weights')) {
    throw new InputError(file, 'The model_weights group is missing, so the file contains no weights', SAVE_FIX);
  }

  const major = kerasMajorVersion(kerasVersion);
  const translated = translateModelConfig(file, parseConfigJson(file, 'model_config attribute', modelConfigText), major);
  const stored = storedWeights(reader);
  const notes = [describeOrigin(kerasVersion, backend), ...translated.notes, ...optimizerNotes(reader)];

  const model = await buildLayersModel(file, translated.topology, 'keras-h5');
  try {
    assignStoredWeights(file, model, stored);
  } catch (error) {
    model.dispose();
    throw error;
  }

  const trainingConfigText = reader.stringAttribute('/', 'training_config');
  const rawTraining = trainingConfigText === undefined ? null : parseConfigJson(file, 'training_config attribute', trainingConfigText);
  const { training, notes: trainingNotes } = parseKeras2TrainingConfig(rawTraining, model.outputNames);

  return { path: file, format: 'keras-h5', model, training, files: [file], notes: [...notes, ...trainingNotes] };
}

/** Returns the weight arrays of every layer group listed in `model_weights`'s `layer_names`. */
function storedWeights(reader: Hdf5Reader): Map<string, StoredLayerWeights> {
  const layerNames = reader.stringListAttribute('/model_weights', 'layer_names') ?? reader.memberNames('/model_weights');
  const stored = new Map<string, StoredLayerWeights>();
  for (const layerName of layerNames) {
    const location = `/model_weights/${layerName}`;
    if (!reader.isGroup(location)) {
      throw new InputError(reader.file, `model_weights lists the layer "${layerName}" but has no group for it`, SAVE_FIX);
    }
    const weightNames = reader.stringListAttribute(location, 'weight_names') ?? [];
    const paths = weightNames.map((weightName) => `${location}/${weightName}`);
    stored.set(layerName, {
      count: paths.length,
      location,
      shape: (index) => reader.readFloatArrayShape(paths[index]),
      read: (index) => reader.readFloatArray(paths[index]),
    });
  }
  return stored;
}

function optimizerNotes(reader: Hdf5Reader): string[] {
  if (!reader.isGroup('/optimizer_weights')) {
    return [];
  }
  const names = reader.stringListAttribute('/optimizer_weights', 'weight_names') ?? [];
  return [`The file contains optimizer state (${names.length} arrays under optimizer_weights), which was ignored, not loaded as weights.`];
}

function describeOrigin(kerasVersion: string | null, backend: string | null): string {
  const version = kerasVersion === null ? 'an unknown Keras version' : `Keras ${kerasVersion}`;
  const onBackend = backend === null ? '' : ` (${backend} backend)`;
  return `Loaded from a Keras HDF5 file written by ${version}${onBackend}, converted to a TensorFlow.js ${tf.version.tfjs} layers model.`;
}

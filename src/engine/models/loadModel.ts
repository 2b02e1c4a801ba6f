/**
 * Entry point of the model loaders: detects a model file's format by content
 * and hands it to the loader of that format.
 */
import { detectFormat } from './detectFormat';
import { loadKerasModel } from './keras/index';
export { listOutputNames, listTrainableLayers, type SelectedOutput, selectOutput } from './outputs';
import { loadTfjsLayersModel } from './tfjsLayers';
import { DEFAULT_LOAD_LIMITS, type LoadedModel, type LoadLimits } from './types';

/**
 * Loads the model in `file`, whatever its name: a TensorFlow.js layers
 * model.json, a Keras 2 HDF5 file or a Keras 3 .keras archive. Throws an
 * InputError naming the file when it is not a model, when it is a format that
 * cannot be analysed (such as a TensorFlow.js graph model), or when the
 * loader of its format finds it invalid.
 */
export async function loadModel(file: string, limits: LoadLimits = DEFAULT_LOAD_LIMITS): Promise<LoadedModel> {
  const format = await detectFormat(file, limits);
  switch (format) {
    case 'tfjs-layers':
      return loadTfjsLayersModel(file, limits);
    case 'keras-h5':
    case 'keras-v3':
      return loadKerasModel(file, limits);
  }
}

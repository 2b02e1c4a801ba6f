/**
 * Loader of Keras model files: a Keras 2 (or tf.keras, or Keras 3 legacy)
 * HDF5 file and a Keras 3 `.keras` zip archive. The format is detected by
 * content, never by file extension, because Keras 2 HDF5 files are often
 * named `.keras`.
 */
import { InputError } from '../../errors';
import { DEFAULT_LOAD_LIMITS, type LoadedModel, type LoadLimits } from '../types';
import { checkFileSize, readWholeFile } from '../validation';
import { hasHdf5Signature } from './hdf5';
import { loadKerasArchive } from './kerasArchive';
import { loadKerasH5 } from './kerasH5';

export { supportedLayerClasses } from './layerConfigs';

const ZIP_LOCAL_FILE_HEADER = [0x50, 0x4b, 0x03, 0x04];

/**
 * Loads the Keras model in `path` into a TensorFlow.js layers model with the
 * file's weights, and reads the loss, optimizer and learning rate from its
 * training config (Keras 2) or compile config (Keras 3).
 *
 * The model keeps the file's layers and layer names. `notes` lists what the
 * conversion dropped or changed, and states that optimizer state was ignored
 * when the file contains some.
 *
 * Throws an InputError naming `path`, the problem and the fix for:
 * - a file over `limits.maxFileBytes`, or a truncated or corrupt HDF5 file;
 * - a zip archive with entries that leave its folder or expand past the limit;
 * - a layer class or activation outside the supported set, naming the class
 *   and the layer;
 * - weights whose shapes do not fit the config, or that contain NaN or
 *   infinite values.
 * No variable is left allocated after a failure.
 */
export async function loadKerasModel(path: string, limits: LoadLimits = DEFAULT_LOAD_LIMITS): Promise<LoadedModel> {
  const size = await checkFileSize(path, limits);
  const bytes: Uint8Array = await readWholeFile(path);
  if (bytes.length !== size) {
    throw new InputError(path, 'The model file changed while it was being read', 'Load the model again once the file is written');
  }

  if (hasHdf5Signature(bytes)) {
    return loadKerasH5(path, bytes);
  }
  if (ZIP_LOCAL_FILE_HEADER.every((byte, i) => bytes[i] === byte)) {
    return loadKerasArchive(path, bytes, limits);
  }
  throw new InputError(
    path,
    'The file is neither HDF5 (a Keras .h5 file) nor a zip archive (a Keras 3 .keras file)',
    'Pick a Keras model saved with model.save(), or a TensorFlow.js model.json',
  );
}

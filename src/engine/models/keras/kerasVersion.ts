/**
 * Small readers shared by the HDF5 and the archive loaders: the Keras major
 * version behind a file, and the JSON texts it embeds.
 */
import { InputError } from '../../errors';
import { parseJsonText } from '../validation';
import type { KerasMajorVersion } from './layerConfigs';

/**
 * The major version in `kerasVersion` ("2.1.6-tf", "3.8.0"). Files without a
 * version are read as Keras 2, the only version that could omit it.
 */
export function kerasMajorVersion(kerasVersion: string | null): KerasMajorVersion {
  return kerasVersion !== null && /^\s*3\./.test(kerasVersion) ? 3 : 2;
}

/**
 * Parses `text`, the JSON of `what` (for instance "config.json in the
 * archive") inside `file`, and throws an InputError naming both when it is
 * not valid JSON.
 */
export function parseConfigJson(file: string, what: string, text: string): unknown {
  try {
    return parseJsonText(file, text);
  } catch (error) {
    if (error instanceof InputError) {
      throw new InputError(file, error.problem.replace(/^The file/, `The ${what}`), 'Save the model again with model.save() in Keras');
    }
    throw error;
  }
}

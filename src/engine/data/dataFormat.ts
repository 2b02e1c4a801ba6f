import * as path from 'node:path';

import { InputError } from '../errors';
import { hasNpyMagic } from './npy';
import { hasZipMagic } from './npz';

export type DataFormat = 'npy' | 'npz' | 'csv' | 'json';

/** Bytes scanned for NUL characters, which no CSV or JSON text contains. */
const TEXT_PROBE_BYTES = 8192;

/**
 * Detects a data file's format from its content, with the extension as a
 * tie-breaker for text. Binary formats are recognized by their magic bytes
 * (`\x93NUMPY` for .npy, `PK\x03\x04` for .npz), regardless of the extension.
 * A text file is JSON when it is named .json, or when it is not named .csv and
 * starts with `[` or `{`. It is CSV when it is named .csv.
 *
 * @throws InputError when a .npy or .npz file lacks its magic bytes, when the
 *   file is binary but neither format, or when a text file's format is unknown.
 */
export function detectDataFormat(bytes: Uint8Array, file: string): DataFormat {
  if (hasNpyMagic(bytes)) {
    return 'npy';
  }
  if (hasZipMagic(bytes)) {
    return 'npz';
  }

  const extension = path.extname(file).toLowerCase();
  if (extension === '.npy') {
    throw new InputError(
      file,
      'the file does not start with the .npy magic string \\x93NUMPY, so it is not an .npy file',
      'Pick a file written by numpy.save, or check that it was not converted as text',
    );
  }
  if (extension === '.npz') {
    throw new InputError(file, 'the file does not start like a zip archive (PK\\x03\\x04), so it is not an .npz file', 'Pick a file written by numpy.savez');
  }

  const probe = bytes.subarray(0, TEXT_PROBE_BYTES);
  if (probe.includes(0)) {
    throw new InputError(
      file,
      'the file contains NUL bytes, so it is binary (or UTF-16 text), but it is not an .npy or .npz file',
      'Pick a .npy, .npz, .csv or .json data file, and save text files as UTF-8',
    );
  }

  if (extension === '.json') {
    return 'json';
  }
  if (extension === '.csv') {
    return 'csv';
  }
  const firstCharacter = new TextDecoder().decode(probe).replace(/^\uFEFF/, '').trimStart()[0];
  if (firstCharacter === '[' || firstCharacter === '{') {
    return 'json';
  }
  throw new InputError(
    file,
    `the data format cannot be told from the extension ${JSON.stringify(extension || '(none)')} or the content`,
    'Rename the file with the extension of its format: .npy, .npz, .csv or .json',
  );
}

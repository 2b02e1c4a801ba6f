/**
 * Tells model formats apart by content, never by file extension: Keras 2
 * HDF5 files are often named `.keras`, and TensorFlow.js model files can have
 * any name.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import { InputError } from '../errors';
import type { ModelFormat } from '../report';
import { DEFAULT_LOAD_LIMITS, type LoadLimits } from './types';
import {
  assertJsonSizeWithinLimit,
  checkFileSize,
  classifyJsonContent,
  notALayersModelError,
  parseJsonText,
  readWholeTextFile,
} from './validation';

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const ZIP_LOCAL_FILE_HEADER = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

/** Bytes that `isModelFile` reads from the start of a file, and the largest JSON it parses whole. */
const SNIFF_BYTES = 64 * 1024;

/**
 * HDF5 puts its superblock at byte 0, or after a user block of 512 bytes or a
 * larger power of two. A Keras file has no user block, but h5py can add one.
 */
const FIRST_USER_BLOCK_BYTES = 512;

// The zip format's end of central directory record (signature PK\x05\x06) and central file headers.
const ZIP_END_SIGNATURE = 0x06054b50;
const ZIP_END_RECORD_BYTES = 22;
const ZIP_MAX_COMMENT_BYTES = 0xffff;
const ZIP_CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const ZIP_CENTRAL_HEADER_BYTES = 46;
/** A central directory larger than this is not a Keras archive's three or four entries. */
const ZIP_MAX_CENTRAL_DIRECTORY_BYTES = 16 * 1024 * 1024;

/**
 * Returns the format of the model in `file`, read from its content: HDF5
 * (`keras-h5`), a zip archive with a config.json (`keras-v3`) or a
 * TensorFlow.js layers model.json (`tfjs-layers`).
 *
 * Throws an InputError naming the file for anything else. The message states
 * what the file is when that is recognizable: a TensorFlow.js graph model, a
 * Keras architecture without weights, this tool's `*.hessian.json` sidecar, a
 * package.json or a NumPy .npy or .npz data file. Invalid or too deeply nested
 * JSON, an empty file, a file over `limits.maxFileBytes` and a JSON file over
 * `limits.maxJsonFileBytes` are rejected too.
 */
export async function detectFormat(file: string, limits: LoadLimits = DEFAULT_LOAD_LIMITS): Promise<ModelFormat> {
  const size = await checkFileSize(file, limits);
  if (size === 0) {
    throw new InputError(file, 'The file is empty', 'Pick a TensorFlow.js model.json, a Keras .h5 or a .keras file');
  }

  const handle = await fs.open(file, 'r');
  let prefix: Buffer;
  try {
    prefix = await readAt(handle, 0, Math.min(size, SNIFF_BYTES));
    if (await hasHdf5Signature(handle, size)) {
      return 'keras-h5';
    }
    if (startsWith(prefix, ZIP_LOCAL_FILE_HEADER)) {
      return zipModelFormat(file, await readZipEntryNames(handle, size));
    }
  } finally {
    await handle.close();
  }

  if (looksLikeJson(prefix)) {
    assertJsonSizeWithinLimit(file, size, limits);
    const json = parseJsonText(file, await readWholeTextFile(file));
    const kind = classifyJsonContent(file, json);
    if (kind === 'tfjs-layers-model') {
      return 'tfjs-layers';
    }
    throw notALayersModelError(file, kind);
  }
  if (startsWith(prefix, NPY_MAGIC)) {
    throw new InputError(file, 'This is a NumPy .npy array, a data file, not a model', 'Pick the model file, and give this file as the data');
  }
  throw new InputError(
    file,
    'The file is not a model: it is neither JSON (a TensorFlow.js model), HDF5 (a Keras .h5 file) nor a zip archive (a Keras 3 .keras file)',
    'Pick a TensorFlow.js model.json, a Keras .h5 or a .keras file',
  );
}

/**
 * Returns whether `file` looks like a model that the loaders read, for the
 * editor's context menu; never throws. It reads at most the first 64 KiB
 * (plus 8 bytes at each possible HDF5 superblock offset and a zip archive's
 * central directory) and parses JSON only when the whole file fits in them.
 * A larger JSON file counts as a model when its first 64 KiB contain a
 * `"modelTopology"` or `"weightsManifest"` key and no graph-model marker.
 * Graph models, sidecars and other JSON files return false.
 */
export async function isModelFile(file: string): Promise<boolean> {
  try {
    const stats = await fs.stat(file);
    if (!stats.isFile() || stats.size === 0) {
      return false;
    }

    const handle = await fs.open(file, 'r');
    let prefix: Buffer;
    try {
      prefix = await readAt(handle, 0, Math.min(stats.size, SNIFF_BYTES));
      if (await hasHdf5Signature(handle, stats.size)) {
        return true;
      }
      if (startsWith(prefix, ZIP_LOCAL_FILE_HEADER)) {
        const names = await readZipEntryNames(handle, stats.size);
        return names === null || names.includes('config.json');
      }
    } finally {
      await handle.close();
    }

    if (!looksLikeJson(prefix) || path.basename(file).toLowerCase().endsWith('.hessian.json')) {
      return false;
    }
    if (stats.size <= SNIFF_BYTES) {
      return classifyJsonContent(file, JSON.parse(stripByteOrderMark(prefix.toString('utf8')))) === 'tfjs-layers-model';
    }
    return looksLikeLayersModelPrefix(prefix.toString('utf8'));
  } catch {
    // Unreadable files and invalid JSON are not models to offer in a menu.
    return false;
  }
}

function looksLikeLayersModelPrefix(text: string): boolean {
  const hasModelKey = /"(modelTopology|weightsManifest)"\s*:/.test(text);
  const isGraphModel =
    /"format"\s*:\s*"graph-model"/.test(text) || /"signature"\s*:/.test(text) || /"modelTopology"\s*:\s*\{\s*"node"\s*:/.test(text);
  return hasModelKey && !isGraphModel;
}

function zipModelFormat(file: string, entryNames: string[] | null): ModelFormat {
  // NOTE: a Zip64 archive (over 4 GiB or 65,535 entries) is not listed here;
  // it is passed on as a Keras 3 file and the Keras loader reports what is wrong.
  if (entryNames === null || entryNames.includes('config.json')) {
    return 'keras-v3';
  }
  if (entryNames.length > 0 && entryNames.every((name) => name.endsWith('.npy'))) {
    throw new InputError(file, 'This is a NumPy .npz archive, a data file, not a model', 'Pick the model file, and give this file as the data');
  }
  throw new InputError(
    file,
    'This zip archive has no config.json, so it is not a Keras 3 .keras model',
    'Pick a .keras file saved by Keras 3 (model.save("model.keras")), a Keras .h5 or a TensorFlow.js model.json',
  );
}

async function hasHdf5Signature(handle: fs.FileHandle, size: number): Promise<boolean> {
  for (let offset = 0; offset + HDF5_SIGNATURE.length <= size; offset = offset === 0 ? FIRST_USER_BLOCK_BYTES : offset * 2) {
    const bytes = await readAt(handle, offset, HDF5_SIGNATURE.length);
    if (bytes.equals(HDF5_SIGNATURE)) {
      return true;
    }
  }
  return false;
}

/**
 * Names of the entries of the zip archive open in `handle`, read from its
 * central directory, or null when that directory cannot be read as a plain
 * (non-Zip64) one.
 */
async function readZipEntryNames(handle: fs.FileHandle, size: number): Promise<string[] | null> {
  const tailLength = Math.min(size, ZIP_END_RECORD_BYTES + ZIP_MAX_COMMENT_BYTES);
  const tail = await readAt(handle, size - tailLength, tailLength);
  let end = -1;
  for (let i = tail.length - ZIP_END_RECORD_BYTES; i >= 0; i--) {
    if (tail.readUInt32LE(i) === ZIP_END_SIGNATURE) {
      end = i;
      break;
    }
  }
  if (end < 0) {
    return null;
  }

  const entryCount = tail.readUInt16LE(end + 10);
  const directoryBytes = tail.readUInt32LE(end + 12);
  const directoryOffset = tail.readUInt32LE(end + 16);
  const isZip64 = entryCount === 0xffff || directoryOffset === 0xffffffff;
  if (isZip64 || directoryBytes > ZIP_MAX_CENTRAL_DIRECTORY_BYTES || directoryOffset + directoryBytes > size) {
    return null;
  }

  const directory = await readAt(handle, directoryOffset, directoryBytes);
  const names: string[] = [];
  let position = 0;
  for (let entry = 0; entry < entryCount; entry++) {
    if (position + ZIP_CENTRAL_HEADER_BYTES > directory.length || directory.readUInt32LE(position) !== ZIP_CENTRAL_HEADER_SIGNATURE) {
      return null;
    }
    const nameLength = directory.readUInt16LE(position + 28);
    const extraLength = directory.readUInt16LE(position + 30);
    const commentLength = directory.readUInt16LE(position + 32);
    const nameStart = position + ZIP_CENTRAL_HEADER_BYTES;
    names.push(directory.toString('utf8', nameStart, nameStart + nameLength));
    position = nameStart + nameLength + extraLength + commentLength;
  }
  return names;
}

async function readAt(handle: fs.FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

function startsWith(bytes: Buffer, signature: Buffer): boolean {
  return bytes.length >= signature.length && bytes.subarray(0, signature.length).equals(signature);
}

/** True when the first character after whitespace and a UTF-8 byte order mark opens a JSON object or array. */
function looksLikeJson(prefix: Buffer): boolean {
  const text = stripByteOrderMark(prefix.toString('utf8', 0, Math.min(prefix.length, 1024))).trimStart();
  return text.startsWith('{') || text.startsWith('[');
}

function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

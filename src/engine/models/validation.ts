/**
 * Checks shared by the model loaders (TensorFlow.js layers models here, Keras
 * files in ./keras). Each check throws an InputError that names the file, what
 * is wrong and what to do, so that no loader reaches TensorFlow.js with input
 * that would make it fail with a raw message or compute with garbage.
 */
import type { Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import type * as tf from '@tensorflow/tfjs';

import { InputError } from '../errors';
import { JsonTextError, parseStrictJson } from './jsonText';
import type { LoadLimits } from './types';

/** Weight dtypes the loaders read; TensorFlow.js also defines bool, string and complex64. */
export const SUPPORTED_WEIGHT_DTYPES: readonly string[] = ['float32', 'int32'];

/** Quantization dtypes that TensorFlow.js 4.22's `tf.io.decodeWeights` dequantizes. */
export const SUPPORTED_QUANTIZATION_DTYPES: readonly string[] = ['uint8', 'uint16', 'float16'];

const BYTES_PER_VALUE: Record<string, number> = {
  float32: 4,
  int32: 4,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** Maximum number of names an error message lists before it adds "and N more". */
const MAX_NAMES_IN_MESSAGE = 10;

/**
 * Bytes that `readFileInto` reads per call. Node 20 aborts the whole process
 * (a failed native assertion, not an exception) when one read requests more
 * than 2^31 − 1 bytes.
 */
const READ_CHUNK_BYTES = 64 * 1024 * 1024;

// ---------------------------------------------------------------------------
// Files

/**
 * Returns the size of `file` in bytes. Throws an InputError when the file does
 * not exist, is a symbolic link loop, is not a regular file, or is larger than
 * `limits.maxFileBytes`. `role` names the file in messages, for instance
 * "model file" or "weight file".
 */
export async function checkFileSize(file: string, limits: LoadLimits, role = 'model file'): Promise<number> {
  const stats = await statRegularFile(file, role);
  assertSizeWithinLimit(file, stats.size, limits, role);
  return stats.size;
}

/**
 * Returns the stats of `file`, following symbolic links. Throws an InputError
 * when the file does not exist, cannot be read, or is not a regular file.
 */
export async function statRegularFile(file: string, role = 'model file'): Promise<Stats> {
  let stats: Stats;
  try {
    stats = await fs.stat(file);
  } catch (error) {
    throw fileAccessError(file, role, error);
  }

  const pickFix =
    role === 'model file'
      ? 'Pick the model file itself: a TensorFlow.js model.json, a Keras .h5 or a .keras file'
      : `Point to the ${role} itself`;
  if (stats.isDirectory()) {
    throw new InputError(file, `The ${role} is a folder`, pickFix);
  }
  if (!stats.isFile()) {
    throw new InputError(file, `The ${role} is not a regular file`, pickFix);
  }
  return stats;
}

/** Throws an InputError when `bytes` exceeds `limits.maxFileBytes`. */
export function assertSizeWithinLimit(file: string, bytes: number, limits: LoadLimits, role = 'model file'): void {
  if (bytes <= limits.maxFileBytes) {
    return;
  }
  const fix =
    role === 'weight file'
      ? 'Export the model again with smaller weight files: tensorflowjs_converter --weight_shard_size_bytes sets their size (4 MiB by default)'
      : `Check that this is the right file: the loader reads ${role}s of at most ${formatBytes(limits.maxFileBytes)}, so a larger model cannot be analysed`;
  throw new InputError(file, `The ${role} is ${formatBytes(bytes)}, larger than the limit of ${formatBytes(limits.maxFileBytes)}`, fix);
}

/** Throws an InputError when the JSON model file `file` of `bytes` exceeds `limits.maxJsonFileBytes`. */
export function assertJsonSizeWithinLimit(file: string, bytes: number, limits: LoadLimits): void {
  if (bytes <= limits.maxJsonFileBytes) {
    return;
  }
  throw new InputError(
    file,
    `The model file is JSON of ${formatBytes(bytes)}, larger than the limit of ${formatBytes(limits.maxJsonFileBytes)} for a TensorFlow.js model.json, which contains only the topology and the weight manifest`,
    'Check that this is the model.json written by model.save() in TensorFlow.js or by tensorflowjs_converter: it keeps the weights in separate .bin files',
  );
}

/** Reads `file` whole. Throws an InputError naming the file and `role` when that fails. */
export async function readWholeFile(file: string, role = 'model file'): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    throw fileAccessError(file, role, error);
  }
}

/** Reads `file` whole as UTF-8 text. Throws an InputError naming the file and `role` when that fails. */
export async function readWholeTextFile(file: string, role = 'model file'): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    throw fileAccessError(file, role, error);
  }
}

/**
 * Fills `target` with the content of `file`, which must have exactly
 * `target.length` bytes. Reading into the caller's buffer avoids a second copy
 * of large files, and has no 2 GiB limit. Throws an InputError naming the file
 * when the read fails or the file has another size, which means that it
 * changed after its size was checked.
 */
export async function readFileInto(file: string, target: Uint8Array, role = 'model file'): Promise<void> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    throw fileAccessError(file, role, error);
  }
  try {
    let filled = 0;
    let endOfFile = false;
    while (filled < target.length && !endOfFile) {
      const length = Math.min(target.length - filled, READ_CHUNK_BYTES);
      const { bytesRead } = await handle.read(target, filled, length, filled);
      filled += bytesRead;
      endOfFile = bytesRead === 0;
    }
    const { bytesRead: extraBytes } = await handle.read(Buffer.alloc(1), 0, 1, filled);
    if (filled !== target.length || extraBytes !== 0) {
      throw new InputError(file, `The ${role} changed while it was being read`, 'Load the model again once the file is written');
    }
  } catch (error) {
    throw error instanceof InputError ? error : fileAccessError(file, role, error);
  } finally {
    await handle.close();
  }
}

/**
 * Creates the InputError for a failed stat, realpath or read of `file`. Node 20
 * reads at most 2 GiB − 1 byte into one buffer (ERR_FS_FILE_TOO_LARGE) and at
 * most 2^29 − 24 characters into one string (ERR_STRING_TOO_LONG, or a
 * RangeError "Invalid string length").
 */
function fileAccessError(file: string, role: string, error: unknown): InputError {
  const code = isErrnoException(error) ? error.code : undefined;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new InputError(file, `The ${role} was not found`, 'Check the path');
    case 'ELOOP':
      return new InputError(
        file,
        `The ${role} is a symbolic link loop: following its links leads back to a link already followed`,
        'Point the link at the file itself, or replace the link with a copy of the file',
      );
    case 'EACCES':
    case 'EPERM':
      return new InputError(file, `The ${role} cannot be read (permission denied)`, 'Grant read permission on the file to the user running the analysis');
    case 'EISDIR':
      return new InputError(file, `The ${role} is a folder`, `Point to the ${role} itself`);
    case 'ERR_FS_FILE_TOO_LARGE':
      return new InputError(
        file,
        `The ${role} is larger than the 2 GiB − 1 byte that Node.js reads from one file`,
        'Check that this is the right file: larger model files cannot be analysed',
      );
  }
  if (code === 'ERR_STRING_TOO_LONG' || (error instanceof RangeError && /string length/i.test(error.message))) {
    return new InputError(
      file,
      `The ${role} is too long to read as text: a string in Node.js has at most 2^29 − 24 characters`,
      'Check that this is the right file: a TensorFlow.js model.json contains only the topology and the weight manifest',
    );
  }
  return new InputError(file, `The ${role} cannot be read: ${errorMessage(error)}`, 'Check that the file exists and is readable');
}

/**
 * Resolves `relative`, a path read from inside `file` (a weight path in a
 * manifest), against `folder`, and returns the resolved path. Throws an
 * InputError unless the path is relative, stays inside `folder` after `..`
 * segments and symbolic links are resolved, and names an existing file.
 * A `..` that stays inside the folder (`sub/../weights.bin`) is accepted, and
 * so is a file name that merely starts with two dots (`..weights.bin`).
 */
export async function resolveInsideFolder(file: string, folder: string, relative: unknown): Promise<string> {
  const fix = 'Keep the weight files in the model\'s folder and list them in weightsManifest by relative path';
  if (typeof relative !== 'string' || relative.trim() === '') {
    throw new InputError(file, `A weight path in weightsManifest is ${describeValue(relative)} instead of a file name`, fix);
  }
  if (relative.includes('\0')) {
    throw new InputError(file, `The weight path ${JSON.stringify(relative)} contains a NUL character`, fix);
  }
  if (/^[a-z][a-z0-9+.-]+:/i.test(relative)) {
    throw new InputError(file, `The weight path "${relative}" is a URL; only files beside the model are read`, fix);
  }
  if (path.isAbsolute(relative) || path.win32.isAbsolute(relative)) {
    throw new InputError(file, `The weight path "${relative}" is absolute, so it may point outside the model's folder`, fix);
  }

  const resolved = path.resolve(folder, relative);
  if (!isInside(folder, resolved)) {
    throw new InputError(file, `The weight path "${relative}" leaves the model's folder`, fix);
  }

  let realFolder: string;
  let realTarget: string;
  try {
    realFolder = await fs.realpath(folder);
    realTarget = await fs.realpath(resolved);
  } catch (error) {
    const code = isErrnoException(error) ? error.code : undefined;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new InputError(
        file,
        `The weight file "${relative}" listed in weightsManifest was not found at ${resolved}`,
        'Put the weight file beside the model file, or correct its path in weightsManifest',
      );
    }
    if (code === 'ELOOP') {
      throw new InputError(
        file,
        `The weight file "${relative}" listed in weightsManifest is a symbolic link loop: following its links leads back to a link already followed`,
        'Replace the link with the weight file itself',
      );
    }
    throw new InputError(file, `The weight file "${relative}" cannot be read: ${errorMessage(error)}`, 'Check the file permissions');
  }
  if (!isInside(realFolder, realTarget)) {
    throw new InputError(
      file,
      `The weight path "${relative}" is a symbolic link to ${realTarget}, outside the model's folder`,
      'Copy the weight file into the model\'s folder instead of linking to it',
    );
  }
  return resolved;
}

/**
 * True when `candidate` lies strictly inside `folder`. The relative path
 * leaves the folder only when it is `..`, starts with a `..` segment, or is
 * absolute (another drive on Windows). A name such as `..weights.bin` is a
 * file inside.
 */
export function isInside(folder: string, candidate: string): boolean {
  const relative = path.relative(folder, candidate);
  const leaves = relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  return relative !== '' && !leaves;
}

// ---------------------------------------------------------------------------
// JSON

/**
 * Parses `text`, the content of `file`, as strict JSON (a leading byte order
 * mark is allowed). Throws an InputError that gives the line and column of the
 * first syntax error, or of the first object or array nested deeper than
 * MAX_JSON_DEPTH levels.
 */
export function parseJsonText(file: string, text: string): unknown {
  try {
    return parseStrictJson(text);
  } catch (error) {
    if (error instanceof JsonTextError) {
      throw new InputError(file, `The file ${error.message}`, 'Repair the file or export the model again');
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------
// What a JSON file is

/** Kind of content of a parsed JSON file, as the model loaders tell them apart. */
export type JsonContentKind =
  | 'tfjs-layers-model'
  | 'tfjs-graph-model'
  | 'keras-architecture'
  | 'hessian-sidecar'
  | 'package-manifest'
  | 'other';

/**
 * Classifies parsed JSON by its content. `file` only serves the sidecar rule:
 * a `*.hessian.json` file is this tool's settings file whatever it contains.
 */
export function classifyJsonContent(file: string, json: unknown): JsonContentKind {
  if (path.basename(file).toLowerCase().endsWith('.hessian.json')) {
    return 'hessian-sidecar';
  }
  if (!isPlainObject(json)) {
    return 'other';
  }
  if (isGraphModelJson(json)) {
    return 'tfjs-graph-model';
  }
  if (Object.hasOwn(json, 'modelTopology')) {
    return 'tfjs-layers-model';
  }
  if (typeof json.class_name === 'string' && Object.hasOwn(json, 'config') && (Object.hasOwn(json, 'keras_version') || Object.hasOwn(json, 'backend'))) {
    return 'keras-architecture';
  }
  if (path.basename(file) === 'package.json' || looksLikePackageManifest(json)) {
    return 'package-manifest';
  }
  return 'other';
}

function looksLikePackageManifest(json: Record<string, unknown>): boolean {
  const packageKeys = ['version', 'dependencies', 'devDependencies', 'scripts'];
  return typeof json.name === 'string' && packageKeys.some((key) => Object.hasOwn(json, key));
}

/**
 * True for a TensorFlow.js graph model (tensorflowjs_converter's
 * `--output_format=tfjs_graph_model`): `format: "graph-model"`, a `signature`,
 * or a topology that is a TensorFlow GraphDef with `node` entries.
 */
export function isGraphModelJson(json: unknown): boolean {
  if (!isPlainObject(json)) {
    return false;
  }
  if (json.format === 'graph-model' || Object.hasOwn(json, 'signature')) {
    return true;
  }
  const topology = json.modelTopology;
  return isPlainObject(topology) && Array.isArray(topology.node);
}

/** The parts of a TensorFlow.js layers model.json that the loader reads. */
export interface LayersModelJson {
  modelTopology: unknown;
  weightsManifest: unknown[];
  /** `trainingConfig`, `training_config` or the one inside a converted Keras topology; null when absent. */
  trainingConfig: unknown;
}

/**
 * Checks that `json`, parsed from `file`, is a TensorFlow.js layers model and
 * returns its parts. Throws an InputError that states what the file is instead
 * when it is a graph model, a Keras architecture, this tool's sidecar, a
 * package.json or anything else.
 */
export function assertLayersModelJson(file: string, json: unknown): LayersModelJson {
  const kind = classifyJsonContent(file, json);
  if (kind !== 'tfjs-layers-model') {
    throw notALayersModelError(file, kind);
  }
  const model = json as Record<string, unknown>;

  const topology = model.modelTopology;
  if (!isPlainObject(topology) && !Array.isArray(topology)) {
    throw new InputError(
      file,
      `modelTopology is ${describeValue(topology)} instead of an object`,
      'Export the model again with model.save() in TensorFlow.js or with tensorflowjs_converter',
    );
  }
  if (!Object.hasOwn(model, 'weightsManifest')) {
    throw new InputError(
      file,
      'The model has no weightsManifest, so the file holds the architecture without any weights',
      'Save the model together with its weights (model.save() in TensorFlow.js or tensorflowjs_converter)',
    );
  }
  if (!Array.isArray(model.weightsManifest)) {
    throw new InputError(
      file,
      `weightsManifest is ${describeValue(model.weightsManifest)} instead of a list of weight groups`,
      'Export the model again with model.save() in TensorFlow.js or with tensorflowjs_converter',
    );
  }

  const nestedTopology = isPlainObject(topology) ? topology : {};
  const trainingConfig =
    model.trainingConfig ?? model.training_config ?? nestedTopology.training_config ?? nestedTopology.trainingConfig ?? null;
  return { modelTopology: topology, weightsManifest: model.weightsManifest, trainingConfig };
}

/** Creates the InputError for JSON of `kind` passed where a layers model was expected. */
export function notALayersModelError(file: string, kind: JsonContentKind): InputError {
  switch (kind) {
    case 'tfjs-graph-model':
      return new InputError(
        file,
        'This is a TensorFlow.js graph model, but Hessian Spectrum needs a layers model, whose layers and trainable weights it can differentiate',
        'Convert the original Keras or TensorFlow model with tensorflowjs_converter --output_format=tfjs_layers_model, or analyze the Keras file itself',
      );
    case 'keras-architecture':
      return new InputError(
        file,
        'This is a Keras model architecture (model.to_json()) without weights',
        'Save the trained model with model.save("model.keras") or model.save("model.h5") and analyze that file',
      );
    case 'hessian-sidecar': {
      const modelStem = path.basename(file).slice(0, -'.hessian.json'.length);
      return new InputError(
        file,
        'This is a Hessian Spectrum settings file (the sidecar saved beside a model), not a model',
        `Analyze the model that it belongs to: the file named "${modelStem}" with a .json, .h5 or .keras extension in the same folder`,
      );
    }
    case 'package-manifest':
      return new InputError(
        file,
        'This is an npm package manifest (package.json), not a model',
        'Pick the model file: a TensorFlow.js model.json, a Keras .h5 or a .keras file',
      );
    case 'tfjs-layers-model':
    case 'other':
      return new InputError(
        file,
        'This JSON file is not a TensorFlow.js model: it has no modelTopology',
        'Pick the model.json written by model.save() in TensorFlow.js or by tensorflowjs_converter',
      );
  }
}

// ---------------------------------------------------------------------------
// Weight manifests and shards

/**
 * Checks one weight spec of `file`'s weightsManifest and returns it typed.
 * The name must be a non-empty string, the shape a list of non-negative
 * integers, the dtype float32 or int32, and a quantization one that
 * TensorFlow.js dequantizes (uint8 or uint16 with numeric min and scale, or
 * float16 for float32 weights).
 */
export function assertWeightSpec(file: string, spec: unknown, position: string): tf.io.WeightsManifestEntry {
  const fix = 'Export the model again with model.save() in TensorFlow.js or with tensorflowjs_converter';
  if (!isPlainObject(spec)) {
    throw new InputError(file, `The weight spec at ${position} is ${describeValue(spec)} instead of an object`, fix);
  }
  const name = spec.name;
  if (typeof name !== 'string' || name === '') {
    throw new InputError(file, `The weight spec at ${position} has no name`, fix);
  }
  const shape = spec.shape;
  if (!Array.isArray(shape) || !shape.every((size) => Number.isInteger(size) && size >= 0)) {
    throw new InputError(file, `Weight "${name}" has the shape ${JSON.stringify(shape)}, which is not a list of non-negative integers`, fix);
  }
  const dtype = spec.dtype;
  if (typeof dtype !== 'string' || !SUPPORTED_WEIGHT_DTYPES.includes(dtype)) {
    throw new InputError(
      file,
      `Weight "${name}" has the dtype ${JSON.stringify(dtype)}; the loader reads ${SUPPORTED_WEIGHT_DTYPES.join(' and ')} weights only`,
      'Save the model with float32 weights',
    );
  }

  if (spec.quantization !== undefined) {
    assertQuantization(file, name, dtype, spec.quantization);
  }
  if (spec.group !== undefined && typeof spec.group !== 'string') {
    throw new InputError(file, `Weight "${name}" has the group ${JSON.stringify(spec.group)} instead of a string`, fix);
  }
  return spec as unknown as tf.io.WeightsManifestEntry;
}

function assertQuantization(file: string, name: string, dtype: string, quantization: unknown): void {
  const fix = 'Convert the model again without quantization, or with tensorflowjs_converter --quantize_uint8, --quantize_uint16 or --quantize_float16';
  if (!isPlainObject(quantization) || typeof quantization.dtype !== 'string') {
    throw new InputError(file, `Weight "${name}" has a quantization without a dtype`, fix);
  }
  const storedAs = quantization.dtype;
  if (!SUPPORTED_QUANTIZATION_DTYPES.includes(storedAs)) {
    throw new InputError(
      file,
      `Weight "${name}" is quantized as ${JSON.stringify(storedAs)}; the loader dequantizes ${SUPPORTED_QUANTIZATION_DTYPES.join(', ')} only`,
      fix,
    );
  }
  if (storedAs === 'float16') {
    if (dtype !== 'float32') {
      throw new InputError(file, `Weight "${name}" is a ${dtype} weight quantized as float16, which only float32 weights can be`, fix);
    }
    return;
  }
  const { min, scale } = quantization;
  if (typeof min !== 'number' || !Number.isFinite(min) || typeof scale !== 'number' || !Number.isFinite(scale)) {
    throw new InputError(file, `Weight "${name}" is quantized as ${storedAs} without finite numbers for min and scale`, fix);
  }
}

/** Number of bytes a weight takes in its shard: elements × bytes per stored value. */
export function weightByteLength(spec: tf.io.WeightsManifestEntry): number {
  const storedAs = spec.quantization?.dtype ?? spec.dtype;
  return numElements(spec.shape) * BYTES_PER_VALUE[storedAs];
}

/** Number of bytes a weight takes once decoded: elements × bytes per value of its dtype (dequantized). */
export function decodedByteLength(spec: tf.io.WeightsManifestEntry): number {
  return numElements(spec.shape) * BYTES_PER_VALUE[spec.dtype];
}

/**
 * Throws an InputError unless the shards of one manifest group add up to the
 * bytes its weight specs need. `shardFiles` and `shardBytes` are parallel.
 */
export function assertShardSizes(
  file: string,
  groupIndex: number,
  shardFiles: readonly string[],
  shardBytes: readonly number[],
  expectedBytes: number,
): void {
  const actualBytes = shardBytes.reduce((sum, bytes) => sum + bytes, 0);
  if (actualBytes === expectedBytes) {
    return;
  }
  const shards = shardFiles.map((shard, i) => `${path.basename(shard)} (${shardBytes[i]} bytes)`).join(', ');
  const state = actualBytes < expectedBytes ? 'truncated' : 'longer than the manifest says';
  throw new InputError(
    file,
    `The weight data of manifest group ${groupIndex} is ${state}: its weights need ${expectedBytes} bytes, but its shards ${shards} hold ${actualBytes}`,
    'Copy the weight files again from where the model was saved, or export the model again',
  );
}

// ---------------------------------------------------------------------------
// Weight values and shapes

/**
 * Throws an InputError naming `weightName` when `values` contains NaN or an
 * infinite number. The flat index is in row-major order.
 */
export function assertFiniteWeights(file: string, weightName: string, values: ArrayLike<number>): void {
  let firstBad = -1;
  let badCount = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      if (firstBad < 0) {
        firstBad = i;
      }
      badCount++;
    }
  }
  if (firstBad < 0) {
    return;
  }
  throw new InputError(
    file,
    `Weight "${weightName}" contains ${values[firstBad]} at flat index ${firstBad} (${badCount} of ${values.length} values are not finite)`,
    'The training diverged or the file is damaged: export the weights again from a checkpoint whose values are finite',
  );
}

/**
 * Throws an InputError naming the layer, the weight and both shapes when the
 * weight from the file does not have the shape that the layer built.
 */
export function assertWeightShape(
  file: string,
  layerName: string,
  weightName: string,
  expectedShape: readonly number[],
  actualShape: readonly number[],
): void {
  if (expectedShape.length === actualShape.length && expectedShape.every((size, i) => size === actualShape[i])) {
    return;
  }
  throw new InputError(
    file,
    `Layer "${layerName}" expects weight "${weightName}" of shape ${formatShape(expectedShape)}, but the weight data has shape ${formatShape(actualShape)}`,
    'The architecture and the weights come from different models: export both again from the same model',
  );
}

// ---------------------------------------------------------------------------
// Small helpers

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Returns the number of elements of a tensor of `shape`, which is 1 for a scalar. */
export function numElements(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

/** Formats a shape as `[84, 10]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Formats names for a message, cut after the first ten with "and N more". */
export function formatNameList(names: readonly string[]): string {
  const shown = names.slice(0, MAX_NAMES_IN_MESSAGE).map((name) => `"${name}"`);
  const rest = names.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.join(', ');
}

/** Formats a byte count as `3.0 MiB (3136128 bytes)`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) {
    return `${bytes} bytes`;
  }
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]} (${bytes} bytes)`;
}

function describeValue(value: unknown): string {
  if (value === undefined) {
    return 'missing';
  }
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  return `a ${typeof value}`;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

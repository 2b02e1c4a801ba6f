/**
 * Checks shared by the model loaders (TensorFlow.js layers models here, Keras
 * files in ./keras). Each check throws an InputError that names the file, what
 * is wrong and what to do, so that no loader reaches TensorFlow.js with input
 * that would make it fail with a raw message or compute with garbage.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import type * as tf from '@tensorflow/tfjs';
import * as jsonc from 'jsonc-parser';

import { InputError } from '../errors';
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

// ---------------------------------------------------------------------------
// Files

/**
 * Returns the size of `file` in bytes. Throws an InputError when the file does
 * not exist, is not a regular file, or is larger than `limits.maxFileBytes`.
 * `role` names the file in messages, for instance "model file" or "weight file".
 */
export async function checkFileSize(file: string, limits: LoadLimits, role = 'model file'): Promise<number> {
  let stats;
  try {
    stats = await fs.stat(file);
  } catch (error) {
    if (isErrnoException(error) && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) {
      throw new InputError(file, `The ${role} was not found`, 'Check the path');
    }
    throw new InputError(file, `The ${role} cannot be read: ${errorMessage(error)}`, 'Check the file permissions');
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

  assertSizeWithinLimit(file, stats.size, limits, role);
  return stats.size;
}

/** Throws an InputError when `bytes` exceeds `limits.maxFileBytes`. */
export function assertSizeWithinLimit(file: string, bytes: number, limits: LoadLimits, role = 'model file'): void {
  if (bytes > limits.maxFileBytes) {
    throw new InputError(
      file,
      `The ${role} is ${formatBytes(bytes)}, larger than the limit of ${formatBytes(limits.maxFileBytes)}`,
      'Raise the maximum model file size if this really is the model, or pick the right file',
    );
  }
}

/**
 * Resolves `relative`, a path read from inside `file` (a weight path in a
 * manifest), against `folder`, and returns the resolved path. Throws an
 * InputError unless the path is relative, stays inside `folder` after `..`
 * segments and symbolic links are resolved, and names an existing regular file.
 * A `..` that stays inside the folder (`sub/../weights.bin`) is accepted.
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
    if (isErrnoException(error) && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) {
      throw new InputError(
        file,
        `The weight file "${relative}" listed in weightsManifest was not found at ${resolved}`,
        'Put the weight file beside the model file, or correct its path in weightsManifest',
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

function isInside(folder: string, candidate: string): boolean {
  const relative = path.relative(folder, candidate);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

// ---------------------------------------------------------------------------
// JSON

/**
 * Parses `text`, the content of `file`, as strict JSON (a leading byte order
 * mark is allowed). Throws an InputError that gives the line and column of the
 * first syntax error, which Node 20's JSON.parse messages leave out.
 */
export function parseJsonText(file: string, text: string): unknown {
  const content = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(content);
  } catch (parseError) {
    const errors: jsonc.ParseError[] = [];
    jsonc.parse(content, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const fix = 'Repair the file or export the model again';
    if (errors.length === 0) {
      throw new InputError(file, `The file is not valid JSON: ${errorMessage(parseError)}`, fix);
    }
    const { line, column } = lineAndColumn(content, errors[0].offset);
    const what = describeJsonError(errors[0].error);
    throw new InputError(file, `The file is not valid JSON: ${what} at line ${line}, column ${column}`, fix);
  }
}

function describeJsonError(code: jsonc.ParseErrorCode): string {
  switch (code) {
    case jsonc.ParseErrorCode.InvalidSymbol:
      return 'invalid symbol';
    case jsonc.ParseErrorCode.InvalidNumberFormat:
      return 'invalid number';
    case jsonc.ParseErrorCode.PropertyNameExpected:
      return 'property name expected';
    case jsonc.ParseErrorCode.ValueExpected:
      return 'value expected';
    case jsonc.ParseErrorCode.ColonExpected:
      return 'colon expected';
    case jsonc.ParseErrorCode.CommaExpected:
      return 'comma expected';
    case jsonc.ParseErrorCode.CloseBraceExpected:
      return 'closing brace expected';
    case jsonc.ParseErrorCode.CloseBracketExpected:
      return 'closing bracket expected';
    case jsonc.ParseErrorCode.EndOfFileExpected:
      return 'end of file expected';
    case jsonc.ParseErrorCode.InvalidCommentToken:
      return 'comments are not allowed in JSON';
    case jsonc.ParseErrorCode.UnexpectedEndOfComment:
    case jsonc.ParseErrorCode.UnexpectedEndOfString:
      return 'unexpected end of string';
    case jsonc.ParseErrorCode.UnexpectedEndOfNumber:
      return 'unexpected end of number';
    case jsonc.ParseErrorCode.InvalidUnicode:
      return 'invalid Unicode escape';
    case jsonc.ParseErrorCode.InvalidEscapeCharacter:
      return 'invalid escape character';
    case jsonc.ParseErrorCode.InvalidCharacter:
      return 'invalid character';
    default:
      return jsonc.printParseErrorCode(code);
  }
}

/** 1-based line and column of a character offset, as editors count them. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
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
  if ('modelTopology' in json) {
    return 'tfjs-layers-model';
  }
  if (typeof json.class_name === 'string' && 'config' in json && ('keras_version' in json || 'backend' in json)) {
    return 'keras-architecture';
  }
  if (path.basename(file) === 'package.json' || looksLikePackageManifest(json)) {
    return 'package-manifest';
  }
  return 'other';
}

function looksLikePackageManifest(json: Record<string, unknown>): boolean {
  const packageKeys = ['version', 'dependencies', 'devDependencies', 'scripts'];
  return typeof json.name === 'string' && packageKeys.some((key) => key in json);
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
  if (json.format === 'graph-model' || 'signature' in json) {
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
  if (!('weightsManifest' in model)) {
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

function formatBytes(bytes: number): string {
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

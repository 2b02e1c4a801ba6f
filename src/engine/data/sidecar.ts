import * as fs from 'node:fs';
import * as path from 'node:path';

import { InputError } from '../errors';
import { LOSS_NAMES, normalizeLossName } from '../losses';
import { JsonTextError, parseStrictJson } from '../models/jsonText';
import type { LossName } from '../report';
import { quoteValue } from './formatting';
import type { DataSpec } from './types';

/**
 * The per-model sidecar `<model stem>.hessian.json` beside the model file
 * (`mnist.hessian.json` for `mnist.json`, `model.hessian.json` for `model.h5`).
 * It stores the analysis choices for a model so that the next run needs no
 * options; users may edit and commit it. Every field is optional. The comments
 * below explain the fields; the file itself is plain JSON:
 *
 * ```jsonc
 * {
 *   "data": "../data/mnist-1k.npz",   // data file, relative to the sidecar's folder
 *   "labels": "y.npy",                // labels .npy for .npy data, same rule
 *   "labelColumn": "rings",           // CSV or JSON rows: the label column
 *   "xKey": "x", "yKey": "y",         // .npz or JSON {x, y}: array names
 *   "loss": "mean_squared_error",     // Keras loss name (aliases such as "mse" are read)
 *   "samples": 1000,                  // positive integer
 *   "seed": 0,                        // non-negative integer, as --seed takes
 *   "output": 7,                      // index of the analysed model output, from 0
 *   "categories": {"sex": ["F", "M", "I"]}   // text columns: categories in index order
 * }
 * ```
 *
 * An unknown field is an error rather than a warning: a misspelled field would
 * otherwise be ignored without a sign, and the analysis would silently use a
 * default in its place.
 */
export interface Sidecar {
  /** Data file. In memory: absolute or relative to the working directory. In the file: relative to the sidecar's folder. */
  data?: string;
  /** Labels .npy for .npy data; same path rules as `data`. */
  labels?: string;
  labelColumn?: string;
  xKey?: string;
  yKey?: string;
  loss?: LossName;
  /** Number of samples to draw from the data; a positive integer. */
  samples?: number;
  /** Seed of the sample choice and the random probes; a non-negative integer. */
  seed?: number;
  /** Index of the model output to analyse, from 0. */
  output?: number;
  /** Categories per text column, in index order. */
  categories?: Record<string, string[]>;
}

/** Sidecars larger than this are rejected unread; real ones have a few hundred bytes. */
export const MAX_SIDECAR_BYTES = 1024 * 1024;

/**
 * Fields that describe one data file. Linking another data file drops them
 * all, so that a label column or array names of the old file do not apply to
 * the new one.
 */
export const DATA_FILE_FIELDS = ['data', 'labels', 'labelColumn', 'xKey', 'yKey', 'categories'] as const;

/** Returns a copy of `sidecar` without the fields of its data file. */
export function withoutDataFileFields(sidecar: Sidecar): Sidecar {
  const copy: Sidecar = { ...sidecar };
  for (const field of DATA_FILE_FIELDS) {
    delete copy[field];
  }
  return copy;
}

const SIDECAR_SUFFIX = '.hessian.json';

type FieldKind = 'path' | 'string' | 'loss' | 'positive integer' | 'non-negative integer' | 'categories';

/** Fields in the order they are written. */
const FIELDS: Record<keyof Sidecar, FieldKind> = {
  data: 'path',
  labels: 'path',
  labelColumn: 'string',
  xKey: 'string',
  yKey: 'string',
  loss: 'loss',
  samples: 'positive integer',
  seed: 'non-negative integer',
  output: 'non-negative integer',
  categories: 'categories',
};

/** Returns the sidecar path for a model file: the model's name without its last extension, plus `.hessian.json`. */
export function sidecarPathFor(modelPath: string): string {
  const parsed = path.parse(path.resolve(modelPath));
  return path.join(parsed.dir, `${parsed.name}${SIDECAR_SUFFIX}`);
}

/**
 * Reads and validates the sidecar of a model.
 *
 * @returns The sidecar with `data` and `labels` resolved to absolute paths
 *   (relative ones against the sidecar's folder), or null when there is none.
 * @throws InputError naming the sidecar and the field when the file is not a JSON
 *   object, a field has the wrong type or an invalid value, or a field is unknown.
 */
export async function readSidecar(modelPath: string): Promise<Sidecar | null> {
  const sidecarPath = sidecarPathFor(modelPath);

  let text: string;
  try {
    const stats = await fs.promises.stat(sidecarPath);
    if (!stats.isFile()) {
      throw new InputError(sidecarPath, 'the sidecar is not a regular file', 'Remove it, or make it a JSON file with the analysis settings');
    }
    if (stats.size > MAX_SIDECAR_BYTES) {
      throw new InputError(
        sidecarPath,
        `the sidecar has ${stats.size} bytes, more than the ${MAX_SIDECAR_BYTES} a sidecar may have`,
        'Keep only the data file name and the analysis settings in the sidecar',
      );
    }
    text = await fs.promises.readFile(sidecarPath, 'utf8');
  } catch (error) {
    if (error instanceof InputError) {
      throw error;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return null;
    }
    if (code === 'ELOOP') {
      throw new InputError(sidecarPath, 'the sidecar is a symbolic link loop', 'Point the link at a file, or delete it and choose the data again');
    }
    throw new InputError(sidecarPath, `the sidecar could not be read (${(error as Error).message})`, 'Check the file permissions');
  }

  let document: unknown;
  try {
    document = parseStrictJson(text);
  } catch (error) {
    if (!(error instanceof JsonTextError)) {
      throw error;
    }
    const fix =
      error.kind === 'syntax'
        ? 'Fix the JSON syntax at that line and column, or delete the file and choose the data again'
        : 'Write the settings as a flat JSON object, or delete the file and choose the data again';
    throw new InputError(sidecarPath, `the sidecar ${error.message}`, fix);
  }

  const sidecar = validateSidecar(document, sidecarPath);
  const folder = path.dirname(sidecarPath);
  if (sidecar.data !== undefined) {
    sidecar.data = path.resolve(folder, sidecar.data);
  }
  if (sidecar.labels !== undefined) {
    sidecar.labels = path.resolve(folder, sidecar.labels);
  }
  return sidecar;
}

/**
 * Writes the sidecar of a model, replacing any previous one. Fields that are
 * undefined are left out. `data` and `labels` (absolute, or relative to the
 * working directory) are written relative to the sidecar's folder with forward
 * slashes, so that the sidecar still works when the folder is moved or committed.
 * The file is written to a temporary name first and then renamed, so a reader
 * never sees half a sidecar.
 *
 * @returns The sidecar's path.
 * @throws InputError when a field is invalid, as `readSidecar` would report it.
 */
export async function writeSidecar(modelPath: string, sidecar: Sidecar): Promise<string> {
  const sidecarPath = sidecarPathFor(modelPath);
  const folder = path.dirname(sidecarPath);

  const ordered: Record<string, unknown> = {};
  for (const field of Object.keys(FIELDS) as (keyof Sidecar)[]) {
    const value = sidecar[field];
    if (value === undefined) {
      continue;
    }
    ordered[field] = FIELDS[field] === 'path' ? relativePath(folder, value as string) : value;
  }
  validateSidecar(ordered, sidecarPath);

  const temporaryPath = `${sidecarPath}.${process.pid}.tmp`;
  try {
    await fs.promises.writeFile(temporaryPath, `${JSON.stringify(ordered, null, 2)}\n`, 'utf8');
    await fs.promises.rename(temporaryPath, sidecarPath);
  } finally {
    await fs.promises.rm(temporaryPath, { force: true });
  }
  return sidecarPath;
}

/**
 * Converts a sidecar into the data part of an analysis request.
 *
 * @returns null when the sidecar names no data file.
 */
export function dataSpecFromSidecar(sidecar: Sidecar): DataSpec | null {
  if (sidecar.data === undefined) {
    return null;
  }
  const spec: DataSpec = { path: sidecar.data };
  if (sidecar.labels !== undefined) spec.labelsPath = sidecar.labels;
  if (sidecar.labelColumn !== undefined) spec.labelColumn = sidecar.labelColumn;
  if (sidecar.xKey !== undefined) spec.xKey = sidecar.xKey;
  if (sidecar.yKey !== undefined) spec.yKey = sidecar.yKey;
  if (sidecar.categories !== undefined) spec.categories = sidecar.categories;
  return spec;
}

/** Checks every field's type and value and returns a copy with the loss in its canonical name. */
function validateSidecar(document: unknown, sidecarPath: string): Sidecar {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new InputError(sidecarPath, `the sidecar contains ${Array.isArray(document) ? 'an array' : quoteValue(document)}, not a JSON object`, 'Write an object such as {"data": "data.npz", "loss": "mean_squared_error"}');
  }

  const sidecar: Sidecar = {};
  for (const [field, value] of Object.entries(document)) {
    if (!Object.hasOwn(FIELDS, field)) {
      throw new InputError(sidecarPath, `the sidecar has the unknown field ${quoteValue(field)}${suggestField(field)}`, `Use only the fields ${Object.keys(FIELDS).join(', ')}`);
    }
    const key = field as keyof Sidecar;
    (sidecar as Record<string, unknown>)[key] = validateField(key, FIELDS[key], value, sidecarPath);
  }
  return sidecar;
}

function validateField(field: string, kind: FieldKind, value: unknown, sidecarPath: string): unknown {
  const invalid = (expected: string, example: string): InputError =>
    new InputError(sidecarPath, `the sidecar field ${quoteValue(field)} must be ${expected}, not ${quoteValue(value)}`, `Write for instance "${field}": ${example}, or remove the field`);

  switch (kind) {
    case 'path':
    case 'string':
      if (typeof value !== 'string' || value.trim() === '') {
        throw invalid('a non-empty string', kind === 'path' ? '"data.npz"' : '"label"');
      }
      return value;
    case 'loss': {
      const loss = normalizeLossName(value);
      if (loss === null) {
        throw invalid(`one of the losses ${LOSS_NAMES.join(', ')}`, '"mean_squared_error"');
      }
      return loss;
    }
    case 'positive integer':
      if (!Number.isSafeInteger(value) || (value as number) < 1) {
        throw invalid('a positive integer', '1000');
      }
      return value;
    case 'non-negative integer':
      if (!Number.isSafeInteger(value) || (value as number) < 0) {
        throw invalid('a non-negative integer', '0');
      }
      return value;
    case 'categories':
      return validateCategories(value, sidecarPath, invalid);
  }
}

function validateCategories(value: unknown, sidecarPath: string, invalid: (expected: string, example: string) => InputError): Record<string, string[]> {
  const expected = 'an object mapping column names to arrays of distinct category names';
  const example = '{"sex": ["F", "M", "I"]}';
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(expected, example);
  }

  const categories: [string, string[]][] = [];
  for (const [column, names] of Object.entries(value)) {
    if (!Array.isArray(names) || names.length === 0 || !names.every((name) => typeof name === 'string')) {
      throw new InputError(sidecarPath, `the sidecar field "categories" gives ${quoteValue(names)} for column ${quoteValue(column)}, not a non-empty array of strings`, `Write for instance "categories": ${example}`);
    }
    const repeated = names.find((name, i) => names.indexOf(name) !== i);
    if (repeated !== undefined) {
      throw new InputError(sidecarPath, `the sidecar field "categories" lists ${quoteValue(repeated)} twice for column ${quoteValue(column)}`, 'List each category once');
    }
    categories.push([column, [...names]]);
  }
  // Object.fromEntries keeps a column named "__proto__" as an own property, where an assignment would set the prototype.
  return Object.fromEntries(categories);
}

function suggestField(field: string): string {
  const closest = Object.keys(FIELDS)
    .map((known) => ({ known, distance: editDistance(field.toLowerCase(), known.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance)[0];
  return closest.distance <= 2 ? ` (did you mean ${quoteValue(closest.known)}?)` : '';
}

/** Levenshtein distance, for suggesting the field a typo meant. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

function relativePath(folder: string, file: string): string {
  const relative = path.relative(folder, path.resolve(file));
  // On Windows a path on another drive has no relative form, so it stays absolute.
  return path.isAbsolute(relative) ? relative : relative.split(path.sep).join('/');
}

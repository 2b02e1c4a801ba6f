import { InputError } from '../errors';
import { JsonTextError, parseStrictJson } from '../models/jsonText';
import { classifyJsonContent, type JsonContentKind } from '../models/validation';
import { formatShape, listNames, quoteValue } from './formatting';
import { assertFinite } from './nonFinite';
import { type Cell, givenCategories, LABEL_COLUMN_OPTION, resolveLabelColumn, type Table, tableToDataset } from './table';
import type { DatasetContent } from './types';

/**
 * Reader of JSON datasets in three forms:
 * - an array of array rows, `[[5.1, 3.5, 1.4, 0.2, "setosa"], …]`, whose label is
 *   the last element unless `labelColumn` gives a position;
 * - an array of object rows, `[{"a": 1, "b": 2, "label": 0}, …]`, whose label is
 *   `labelColumn` or else the only key named label, y, target or class;
 * - an object `{"x": nested arrays, "y": nested arrays}`, with the keys set by
 *   `xKey` and `yKey`.
 * Text cells of rows become category indices as in CSV files; text labels of the
 * `{x, y}` form become class indices.
 */

export interface JsonOptions {
  labelColumn?: string;
  xKey?: string;
  yKey?: string;
  categories?: Record<string, string[]>;
}

/** Arrays nested deeper than this are rejected, so a crafted file cannot exhaust the stack. */
const MAX_RANK = 16;

/**
 * Parses a JSON dataset in any of the three forms.
 *
 * @throws InputError for invalid or too deeply nested JSON, a model or sidecar file
 *   given as data, and a document in none of the three forms. It is also thrown for
 *   ragged rows or nested arrays, non-numeric inputs, missing keys (the message lists
 *   the keys present), NaN or infinite values, and the cell errors of `tableToDataset`.
 */
export function parseJsonDataset(text: string, file: string, options: JsonOptions = {}): DatasetContent {
  let document: unknown;
  try {
    document = parseStrictJson(text);
  } catch (error) {
    if (!(error instanceof JsonTextError)) {
      throw error;
    }
    const fix =
      error.kind === 'syntax'
        ? 'Fix the JSON syntax at that line and column'
        : 'Write the data as an array of flat rows, or as {"x": …, "y": …} with arrays of at most 16 dimensions';
    throw new InputError(file, `the file ${error.message}`, fix);
  }
  rejectModelFiles(document, file);

  if (Array.isArray(document)) {
    rejectOptions(options, ['xKey', 'yKey'], file, 'an array of rows');
    return parseRows(document, file, options);
  }
  if (document !== null && typeof document === 'object') {
    rejectOptions(options, ['labelColumn'], file, 'an {x, y} object');
    return parseInputsAndLabels(document as Record<string, unknown>, file, options);
  }
  throw new InputError(
    file,
    `the file contains ${describeJsonType(document)}, not a dataset`,
    'Write an array of rows, or an object with the inputs under "x" and the labels under "y"',
  );
}

/**
 * Throws an InputError when `document` is a model, a sidecar or another JSON
 * file that the model loaders recognize, rather than a dataset, so that the
 * message names what the file is instead of a missing key.
 */
function rejectModelFiles(document: unknown, file: string): void {
  const kind = classifyJsonContent(file, document);
  const descriptions: Partial<Record<JsonContentKind, string>> = {
    'tfjs-layers-model': 'a TensorFlow.js layers model (it has a modelTopology)',
    'tfjs-graph-model': 'a TensorFlow.js graph model',
    'keras-architecture': 'a Keras model architecture (model.to_json())',
    'hessian-sidecar': 'a Hessian Spectrum settings file (a sidecar)',
    'package-manifest': 'an npm package manifest (package.json)',
  };
  const description = descriptions[kind];
  if (description !== undefined) {
    throw new InputError(
      file,
      `the data file is ${description}, not a dataset`,
      'Point --data (or the sidecar field "data") at the data: a .npy, .npz or .csv file, or a .json file of rows or of {"x": …, "y": …}',
    );
  }
}

function rejectOptions(options: JsonOptions, names: (keyof JsonOptions)[], file: string, form: string): void {
  const givenOptions = names.filter((name) => options[name] !== undefined);
  if (givenOptions.length > 0) {
    throw new InputError(
      file,
      `the file contains ${form}, to which the option ${givenOptions.join(' and ')} does not apply`,
      'Remove that option (or the sidecar field of the same name)',
    );
  }
}

function parseRows(rows: unknown[], file: string, options: JsonOptions): DatasetContent {
  if (rows.length === 0) {
    throw new InputError(file, 'the file contains an empty array, so there are no samples', 'Add at least one row');
  }
  if (Array.isArray(rows[0])) {
    return parseArrayRows(rows, file, options);
  }
  if (rows[0] !== null && typeof rows[0] === 'object') {
    return parseObjectRows(rows, file, options);
  }
  throw new InputError(
    file,
    `the file contains an array whose first element is ${describeJsonType(rows[0])}, but rows must be arrays or objects`,
    'Write one array or object per sample, for instance [[5.1, 3.5, "setosa"], …], or use the {"x": …, "y": …} form',
  );
}

function parseArrayRows(rows: unknown[], file: string, options: JsonOptions): DatasetContent {
  const width = (rows[0] as unknown[]).length;
  const cells = rows.map((row, rowIndex) => {
    if (!Array.isArray(row)) {
      throw new InputError(file, `the row at index ${rowIndex} is ${describeJsonType(row)}, but the first row is an array`, 'Write every row as an array');
    }
    if (row.length !== width) {
      throw new InputError(
        file,
        `the row at index ${rowIndex} has ${row.length} elements but the first row has ${width}`,
        'Give every row the same number of elements',
      );
    }
    return row.map((cell, position) => toCell(cell, file, `row at index ${rowIndex}, position ${position}`));
  });

  const columns = Array.from({ length: width }, (_, i) => String(i));
  const table: Table = {
    columns,
    rows: cells,
    describeRow: (rowIndex) => `row at index ${rowIndex}`,
    describeColumn: (columnIndex) => `position ${columnIndex}`,
  };
  const labelColumn = labelPosition(options.labelColumn, width, file);
  return tableToDataset(table, file, labelColumn, options.categories);
}

/** Returns the label's position for array rows as a column name: the last one unless `requested` gives another. */
function labelPosition(requested: string | undefined, width: number, file: string): string {
  if (requested === undefined) {
    return String(width - 1);
  }
  const position = /^-?\d+$/.test(requested) ? Number(requested) : NaN;
  const resolved = position < 0 ? width + position : position;
  if (!Number.isInteger(resolved) || resolved < 0 || resolved >= width) {
    throw new InputError(
      file,
      `the rows are arrays of ${width} elements, so the label column must be a position from 0 to ${width - 1} (or -1 for the last), not ${quoteValue(requested)}`,
      `Give the label's position with ${LABEL_COLUMN_OPTION}, or leave it out to use the last element`,
    );
  }
  return String(resolved);
}

function parseObjectRows(rows: unknown[], file: string, options: JsonOptions): DatasetContent {
  const columns = Object.keys(rows[0] as object);
  const cells = rows.map((row, rowIndex) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new InputError(file, `the row at index ${rowIndex} is ${describeJsonType(row)}, but the first row is an object`, 'Write every row as an object');
    }
    const record = row as Record<string, unknown>;
    const missing = columns.find((column) => !Object.hasOwn(record, column));
    const extra = Object.keys(record).find((key) => !columns.includes(key));
    if (missing !== undefined || extra !== undefined) {
      const difference = missing !== undefined ? `lacks the key ${quoteValue(missing)}` : `has the key ${quoteValue(extra)}`;
      throw new InputError(
        file,
        `the row at index ${rowIndex} ${difference}, unlike the first row (keys ${listNames(columns, 50)})`,
        'Give every row the same keys',
      );
    }
    return columns.map((column) => toCell(record[column], file, `row at index ${rowIndex}, key ${quoteValue(column)}`));
  });

  const table: Table = {
    columns,
    rows: cells,
    describeRow: (rowIndex) => `row at index ${rowIndex}`,
    describeColumn: (columnIndex) => `key ${quoteValue(columns[columnIndex])}`,
  };
  const labelColumn = resolveLabelColumn(columns, options.labelColumn, file);
  return tableToDataset(table, file, labelColumn, options.categories);
}

function toCell(value: unknown, file: string, where: string): Cell {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  throw new InputError(
    file,
    `the ${where} is ${describeJsonType(value)}, but a row's cells must be numbers, strings or booleans`,
    'Flatten the row, or write the data as {"x": nested arrays, "y": labels}',
  );
}

function parseInputsAndLabels(document: Record<string, unknown>, file: string, options: JsonOptions): DatasetContent {
  const xKey = options.xKey ?? 'x';
  const yKey = options.yKey ?? 'y';
  for (const [key, option] of [
    [xKey, '--x-key or the sidecar field "xKey"'],
    [yKey, '--y-key or the sidecar field "yKey"'],
  ]) {
    if (!Object.hasOwn(document, key)) {
      throw new InputError(
        file,
        `the object has no key ${quoteValue(key)} among its keys ${listNames(Object.keys(document), 50)}`,
        `Name the key to use with ${option}`,
      );
    }
  }

  const inputs = toNestedArray(document[xKey], file, xKey, false);
  const labels = toNestedArray(document[yKey], file, yKey, true, givenCategories(options.categories, yKey));
  if (inputs.shape.length === 0 || labels.shape.length === 0) {
    const scalarKey = inputs.shape.length === 0 ? xKey : yKey;
    throw new InputError(file, `${quoteValue(scalarKey)} is a single value, not an array with one entry per sample`, 'Write one entry per sample');
  }

  return {
    x: inputs.data,
    xShape: inputs.shape,
    y: labels.data,
    yShape: labels.shape,
    featureNames: null,
    // Object.fromEntries keeps a key named "__proto__" as an own property, where an assignment would set the prototype.
    categories: Object.fromEntries(labels.classNames ? [[yKey, labels.classNames]] : []),
    labelColumn: null,
    classNames: labels.classNames,
  };
}

interface NestedArray {
  data: Float32Array;
  shape: number[];
  /** Set when the leaves were strings, mapped to indices into this list. */
  classNames: string[] | null;
}

/**
 * Flattens a regular nested array of numbers (or booleans, or, when
 * `allowStrings`, of strings mapped to class indices) into row-major order.
 */
function toNestedArray(value: unknown, file: string, key: string, allowStrings: boolean, givenClasses?: string[]): NestedArray {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    if (shape.length === MAX_RANK) {
      throw new InputError(file, `${quoteValue(key)} is nested more than ${MAX_RANK} levels deep`, 'Reshape the array to fewer dimensions');
    }
    shape.push(probe.length);
    probe = probe[0];
  }

  const count = shape.reduce((product, dimension) => product * dimension, 1);
  const data = new Float32Array(count);
  // Given names match in Unicode normal form C, as in CSV columns.
  const classIndex = new Map<string, number>((givenClasses ?? []).map((name, i) => [name.normalize('NFC'), i]));
  let offset = 0;

  const visit = (node: unknown, depth: number, path: string): void => {
    if (depth < shape.length) {
      if (!Array.isArray(node) || node.length !== shape[depth]) {
        const found = Array.isArray(node) ? `an array of ${node.length}` : describeJsonType(node);
        throw new InputError(
          file,
          `${path} is ${found}, but the first entries give the shape ${formatShape(shape)}, so it should be an array of ${shape[depth]}`,
          'Give every sample the same shape',
        );
      }
      node.forEach((child, i) => visit(child, depth + 1, `${path}[${i}]`));
      return;
    }
    data[offset++] = leafValue(node, path);
  };

  let sawNumber = false;
  let sawString = false;
  const leafValue = (node: unknown, path: string): number => {
    if (typeof node === 'number' || typeof node === 'boolean') {
      sawNumber = true;
      if (sawString) {
        throw mixedLeaves(path);
      }
      return typeof node === 'number' ? node : Number(node);
    }
    if (typeof node === 'string' && allowStrings) {
      sawString = true;
      if (sawNumber) {
        throw mixedLeaves(path);
      }
      return classIndexOf(node, path);
    }
    throw new InputError(file, `${path} is ${describeJsonType(node)}, not a number`, 'Write numbers only');
  };

  const classIndexOf = (name: string, path: string): number => {
    let index = classIndex.get(givenClasses ? name.normalize('NFC') : name);
    if (index === undefined && givenClasses) {
      throw new InputError(
        file,
        `${path} is ${quoteValue(name)}, which is not among the given categories ${listNames(givenClasses)}`,
        'Add the class to the categories, or correct the label',
      );
    }
    if (index === undefined) {
      index = classIndex.size;
      classIndex.set(name, index);
    }
    return index;
  };

  const mixedLeaves = (path: string): InputError =>
    new InputError(file, `${quoteValue(key)} mixes numbers and strings (first at ${path})`, 'Write the labels either all as numbers or all as class names');

  visit(value, 0, key);
  assertFinite(data, shape, file, `the array ${quoteValue(key)}`);
  return { data, shape, classNames: sawString ? [...classIndex.keys()] : null };
}

function describeJsonType(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return `an array of ${value.length}`;
  }
  if (typeof value === 'object') {
    return 'an object';
  }
  if (typeof value === 'string') {
    return `the string ${quoteValue(value)}`;
  }
  return `${typeof value === 'number' ? 'the number' : 'the boolean'} ${String(value)}`;
}

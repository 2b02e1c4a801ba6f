import { constants as bufferConstants } from 'node:buffer';
import * as path from 'node:path';

import { InputError, UsageError } from '../errors';
import { parseCsvDataset } from './csv';
import { type DataFormat, detectDataFormat } from './dataFormat';
import { formatBytes, formatShape } from './formatting';
import { parseJsonDataset } from './json';
import { type NpyArray, parseNpy } from './npy';
import { readNpzArrays } from './npz';
import { readDataFile } from './readDataFile';
import { type DataLimits, type DataSpec, type Dataset, type DatasetContent, DEFAULT_DATA_LIMITS } from './types';

/**
 * Loads a dataset from disk and validates it: shapes, labels count, and no NaN
 * or infinite values. The format comes from the content (magic bytes, first
 * character) and the extension; see `detectDataFormat`.
 *
 * @param spec The inputs file, a labels file for .npy inputs, and the reading options.
 *   Relative paths are resolved against the working directory.
 * @param limits Size limits; each defaults to `DEFAULT_DATA_LIMITS` (2 GiB − 1 byte).
 * @returns The dataset with absolute paths.
 * @throws InputError naming the file, the problem and the fix for every invalid
 *   input; UsageError when `spec.path` is empty.
 */
export async function loadDataset(spec: DataSpec, limits: Partial<DataLimits> = {}): Promise<Dataset> {
  const { maxFileBytes, maxUncompressedBytes } = { ...DEFAULT_DATA_LIMITS, ...limits };
  if (!spec.path) {
    throw new UsageError('No data file was given', 'Pass the data file with --data, or name it in the sidecar field "data"');
  }

  const inputsPath = path.resolve(spec.path);
  const bytes = await readDataFile(inputsPath, 'data file', maxFileBytes);
  const format = detectDataFormat(bytes, inputsPath);
  rejectInapplicableOptions(spec, format, inputsPath);

  let content: DatasetContent;
  let labelsPath: string | null = null;
  switch (format) {
    case 'npy': {
      labelsPath = path.resolve(spec.labelsPath!);
      content = await loadNpyPair(bytes, inputsPath, labelsPath, maxFileBytes);
      break;
    }
    case 'npz':
      content = loadNpz(bytes, inputsPath, spec, maxUncompressedBytes);
      break;
    case 'csv':
      content = parseCsvDataset(decodeText(bytes, inputsPath), inputsPath, spec);
      break;
    case 'json':
      content = parseJsonDataset(decodeText(bytes, inputsPath), inputsPath, spec);
      break;
  }

  checkSampleCounts(content, inputsPath, labelsPath);
  return { inputsPath, labelsPath, ...content };
}

const APPLICABLE_OPTIONS: Record<DataFormat, (keyof DataSpec)[]> = {
  npy: ['labelsPath'],
  npz: ['xKey', 'yKey'],
  csv: ['labelColumn', 'categories'],
  json: ['labelColumn', 'xKey', 'yKey', 'categories'],
};

const OPTION_NAMES: Record<string, string> = {
  labelsPath: '--labels (sidecar field "labels")',
  labelColumn: '--label-column (sidecar field "labelColumn")',
  xKey: '--x-key (sidecar field "xKey")',
  yKey: '--y-key (sidecar field "yKey")',
  categories: 'the sidecar field "categories"',
};

function rejectInapplicableOptions(spec: DataSpec, format: DataFormat, file: string): void {
  const givenOptions = (Object.keys(OPTION_NAMES) as (keyof DataSpec)[]).filter((option) => spec[option] !== undefined);
  const inapplicable = givenOptions.filter((option) => !APPLICABLE_OPTIONS[format].includes(option));
  if (inapplicable.length > 0) {
    const names = inapplicable.map((option) => OPTION_NAMES[option]).join(' and ');
    throw new InputError(file, `the data file is ${describeFormat(format)}, to which ${names} does not apply`, 'Remove that option');
  }

  if (format === 'npy' && spec.labelsPath === undefined) {
    throw new InputError(
      file,
      'an .npy file contains only the inputs, and no labels file was given',
      'Pass the labels .npy file with --labels (sidecar field "labels"), or use an .npz file with arrays x and y',
    );
  }
}

function describeFormat(format: DataFormat): string {
  const descriptions: Record<DataFormat, string> = {
    npy: 'an .npy array',
    npz: 'an .npz archive',
    csv: 'a CSV file',
    json: 'a JSON file',
  };
  return descriptions[format];
}

async function loadNpyPair(inputBytes: Uint8Array, inputsPath: string, labelsPath: string, maxFileBytes: number): Promise<DatasetContent> {
  const inputs = parseNpy(inputBytes, inputsPath);
  const labelBytes = await readDataFile(labelsPath, 'labels file', maxFileBytes);
  if (detectDataFormat(labelBytes, labelsPath) !== 'npy') {
    throw new InputError(labelsPath, 'the labels file for .npy inputs must be an .npy file too', 'Save the labels with numpy.save');
  }
  const labels = parseNpy(labelBytes, labelsPath);
  return arraysToContent(inputs, labels);
}

function loadNpz(bytes: Uint8Array, file: string, spec: DataSpec, maxUncompressedBytes: number): DatasetContent {
  const xKey = spec.xKey ?? 'x';
  const yKey = spec.yKey ?? 'y';
  const arrays = readNpzArrays(
    bytes,
    file,
    [
      { key: xKey, option: '--x-key (sidecar field "xKey")' },
      { key: yKey, option: '--y-key (sidecar field "yKey")' },
    ],
    maxUncompressedBytes,
  );
  return arraysToContent(arrays.get(xKey)!, arrays.get(yKey)!);
}

function arraysToContent(inputs: NpyArray, labels: NpyArray): DatasetContent {
  return {
    x: inputs.data,
    xShape: inputs.shape,
    y: labels.data,
    yShape: labels.shape,
    featureNames: null,
    categories: {},
    labelColumn: null,
    classNames: null,
  };
}

function decodeText(bytes: Uint8Array, file: string): string {
  if (bytes.length > bufferConstants.MAX_STRING_LENGTH) {
    throw new InputError(
      file,
      `the file has ${formatBytes(bytes.length)}, more text than this JavaScript engine can hold in one string (${formatBytes(bufferConstants.MAX_STRING_LENGTH)})`,
      'Convert the data to .npy or .npz (numpy.save or numpy.savez), which have no such limit',
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(file, 'the file is not valid UTF-8 text', 'Save the file with UTF-8 encoding');
  }
}

function checkSampleCounts(content: DatasetContent, inputsPath: string, labelsPath: string | null): void {
  if (content.xShape.length === 0) {
    throw new InputError(inputsPath, 'the inputs are a single value (shape []), not an array with one entry per sample', 'Save the inputs with the samples along the first axis');
  }
  if (content.yShape.length === 0) {
    throw new InputError(labelsPath ?? inputsPath, 'the labels are a single value (shape []), not an array with one entry per sample', 'Save the labels with the samples along the first axis');
  }

  const sampleCount = content.xShape[0];
  if (sampleCount === 0) {
    throw new InputError(inputsPath, `the inputs have shape ${formatShape(content.xShape)}, so there are no samples`, 'Pick a file with at least one sample');
  }
  if (content.yShape[0] === sampleCount) {
    return;
  }
  const problem = labelsPath
    ? `the labels have ${content.yShape[0]} entries (shape ${formatShape(content.yShape)}) but the inputs file ${inputsPath} has ${sampleCount} samples (shape ${formatShape(content.xShape)})`
    : `there are ${content.yShape[0]} labels (shape ${formatShape(content.yShape)}) for ${sampleCount} input samples (shape ${formatShape(content.xShape)})`;
  throw new InputError(labelsPath ?? inputsPath, problem, 'Give exactly one label per input sample, in the same order');
}

/**
 * The data files of the workspace and what each offers to the dataset-linking
 * dialogue: columns, array names, keys or shapes. Only the parts needed for the
 * choice are read; the engine's loaders validate the whole file at analysis time.
 */

import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import { parse as parseCsv } from 'csv-parse/sync';

import { loadDataset } from '../engine/data/loadDataset';
import { InputError } from '../engine/errors';
import { listNpzEntries, npzKeyOf } from '../engine/data/npz';
import { parsePythonLiteral, type PythonValue } from '../engine/data/pythonLiteral';
import type { DataFileDescription } from '../protocol';
import { DATA_FILE_EXTENSIONS, isSidecarPath } from './paths';
import { findFiles } from './workspaceScan';

/** Bytes read from the start of a CSV file to find its header. */
const CSV_HEADER_BYTES = 256 * 1024;

/**
 * Largest CSV or JSON file whose text columns are listed for linking. A 32 MiB
 * CSV of abalone-like rows took 4.1 s to parse on a 2-core machine, so this
 * limit keeps the server's main thread busy for about half a second at most.
 */
const MAX_TEXT_COLUMN_SCAN_BYTES = 4 * 1024 * 1024;

/** Bytes read from the start of a .npy file; headers are at most a few kilobytes. */
const NPY_HEADER_BYTES = 64 * 1024;

/**
 * Largest .npz or JSON file that is read whole to list its arrays or keys.
 * NOTE: a larger file is offered without a list, and the user types the names.
 */
const MAX_WHOLE_READ_BYTES = 512 * 1024 * 1024;

/**
 * Names of JSON files that tools own (npm, TypeScript, linters, editors). They
 * sit beside data in many projects and are never datasets, so the dataset
 * dialog leaves them out; `--data` still accepts any file.
 */
const TOOL_CONFIG_JSON =
  /^(package|package-lock|npm-shrinkwrap|composer|bower|lerna|nx|turbo|angular|vercel|firebase|renovate|cspell|deno|biome|launch|tasks|settings|extensions|\.?eslintrc|\.?prettierrc|\.?babelrc)\.json$|^(tsconfig|jsconfig)(\..+)?\.json$/i;

/** Lists the workspace's data files, without model files, sidecars, tool configuration and excluded folders. */
export async function listDataFiles(roots: string[], isModel: (file: string) => boolean, excludedFolders: string[]): Promise<string[]> {
  const scan = await findFiles(roots, DATA_FILE_EXTENSIONS, excludedFolders);
  return scan.files.filter((file) => !isModel(file) && !isSidecarPath(file) && !TOOL_CONFIG_JSON.test(path.basename(file)));
}

/**
 * Reads what a data file offers for linking.
 *
 * @throws InputError when the file cannot be read or its start is not valid for its extension.
 */
export async function describeDataFile(file: string): Promise<DataFileDescription> {
  switch (path.extname(file).toLowerCase()) {
    case '.csv':
      return { kind: 'csv', columns: await readCsvHeader(file) };
    case '.npy':
      return { kind: 'npy', ...(await readNpyHeader(file)) };
    case '.npz':
      return { kind: 'npz', arrays: listNpzEntries(await readWhole(file), file).map((entry) => npzKeyOf(entry.name)) };
    case '.json':
      return describeJson(file, new TextDecoder().decode(await readWhole(file)));
    default:
      throw new InputError(file, 'is not a data file', 'Pick a .npy, .npz, .csv or .json file');
  }
}

/** Column names of a CSV file's header row. */
export async function readCsvHeader(file: string): Promise<string[]> {
  const text = new TextDecoder().decode(await readStart(file, CSV_HEADER_BYTES));
  const firstRecord = firstCsvRecord(text);
  let rows: string[][];
  try {
    rows = parseCsv(firstRecord, { bom: true, to_line: 1, relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch (error) {
    throw new InputError(file, `the CSV header could not be parsed (${(error as Error).message})`, 'Give the file a header row of column names');
  }
  const header = (rows[0] ?? []).map((column) => column.trim());
  if (header.length === 0 || header.every((column) => column === '')) {
    throw new InputError(file, 'has no header row', 'Add a first row with the column names');
  }
  return header;
}

/** Text up to the end of the first CSV record, taking quoted newlines into account. */
function firstCsvRecord(text: string): string {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const character = text[i];
    if (character === '"') {
      quoted = !quoted;
    } else if (character === '\n' && !quoted) {
      return text.slice(0, i);
    }
  }
  return text;
}

async function readNpyHeader(file: string): Promise<{ shape: number[]; dtype: string }> {
  const bytes = await readStart(file, NPY_HEADER_BYTES);
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  const fail = (problem: string): never => {
    throw new InputError(file, problem, 'Save the array again with numpy.save');
  };
  if (bytes.length < 10 || !magic.every((byte, i) => bytes[i] === byte)) {
    fail('is not a .npy file (its magic string is missing)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerStart = major === 1 ? 10 : 12;
  const headerLength = major === 1 ? view.getUint16(8, true) : bytes.length >= 12 ? view.getUint32(8, true) : 0;
  if (headerStart + headerLength > bytes.length) {
    fail('has a header longer than a .npy header can be');
  }
  const headerText = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));

  let header: PythonValue;
  try {
    header = parsePythonLiteral(headerText.trim());
  } catch (error) {
    return fail(`has a header that is not a Python dict literal (${(error as Error).message})`);
  }
  if (!(header instanceof Map)) {
    return fail('has a header that is not a dict');
  }
  const descr = header.get('descr');
  const shape = header.get('shape');
  const dimensions = typeof shape === 'object' && shape !== null && 'kind' in shape ? shape.items : null;
  if (typeof descr !== 'string' || dimensions === null || !dimensions.every((size) => typeof size === 'number')) {
    return fail('has a header without a string "descr" and a tuple "shape"');
  }
  return { shape: dimensions as number[], dtype: descr };
}

function describeJson(file: string, text: string): DataFileDescription {
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new InputError(file, `is not valid JSON (${(error as Error).message})`, 'Fix the JSON syntax');
  }
  if (Array.isArray(document)) {
    const first: unknown = document[0];
    if (Array.isArray(first)) {
      return { kind: 'json-rows', columns: first.map((_, index) => String(index)) };
    }
    if (typeof first === 'object' && first !== null) {
      return { kind: 'json-rows', columns: Object.keys(first) };
    }
    throw new InputError(file, 'is an array whose first element is neither a row array nor a row object', 'Write one array or object per sample');
  }
  if (typeof document === 'object' && document !== null) {
    const keys = Object.entries(document)
      .filter(([, value]) => Array.isArray(value))
      .map(([key]) => key);
    return { kind: 'json-arrays', keys };
  }
  throw new InputError(file, 'contains neither rows nor an object of arrays', 'Write an array of rows or an object such as {"x": [...], "y": [...]}');
}

async function readStart(file: string, bytes: number): Promise<Uint8Array> {
  const handle = await openForReading(file);
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function readWhole(file: string): Promise<Uint8Array> {
  const handle = await openForReading(file);
  try {
    const { size } = await handle.stat();
    if (size > MAX_WHOLE_READ_BYTES) {
      throw new InputError(file, `has ${size} bytes, too many to list its contents here`, 'Type the array names or the label column in the sidecar');
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

async function openForReading(file: string): Promise<fs.FileHandle> {
  try {
    return await fs.open(file, 'r');
  } catch (error) {
    throw new InputError(file, `could not be opened (${(error as Error).message})`, 'Check that the file exists and is readable');
  }
}

/**
 * Reads a CSV or JSON rows file as the engine will, with `labelColumn` as the
 * label, and returns its text columns with their values in order of first
 * appearance. Reading the whole file also reports any invalid cell now,
 * while the user links the data, instead of at the first analysis.
 *
 * @throws InputError when the file cannot be read as a dataset.
 */
export async function describeTextColumns(file: string, labelColumn: string): Promise<Record<string, string[]>> {
  // The parse runs on the server's main thread, so a large file is left to the analysis, whose report notes the order used.
  if ((await fs.stat(file)).size > MAX_TEXT_COLUMN_SCAN_BYTES) {
    return {};
  }
  const dataset = await loadDataset({ path: file, labelColumn });
  return dataset.categories;
}

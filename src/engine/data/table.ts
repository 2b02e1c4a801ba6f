import { InputError } from '../errors';
import { listNames, quoteValue } from './formatting';
import type { DatasetContent } from './types';

/**
 * Conversion of a table of cells (CSV records or JSON rows) into inputs and
 * labels. Numeric columns become features as they are. Text columns become
 * category indices, in order of first appearance unless the caller gives the
 * categories. A text label column becomes class indices, and its categories are
 * the class names.
 */

/** A cell as read: CSV cells are strings, JSON cells keep their JSON type. */
export type Cell = string | number | boolean | null;

export interface Table {
  /** Column names: the CSV header, JSON object keys, or `"0"`, `"1"`, … for JSON array rows. */
  columns: string[];
  /** Rows of cells, each as long as `columns` (the parsers check that). */
  rows: Cell[][];
  /** Describes a row for messages, for instance `line 17` or `row at index 16`. */
  describeRow(rowIndex: number): string;
  /** Describes a column for messages, for instance `column "sex"` or `position 4`. */
  describeColumn(columnIndex: number): string;
}

/** Column names that are taken as the label when no label column is given and exactly one of them exists. */
export const DEFAULT_LABEL_NAMES = ['label', 'y', 'target', 'class'];

/** Options that name the label column, for the fix of an error. */
export const LABEL_COLUMN_OPTION = '--label-column or the sidecar field "labelColumn"';

/** A cell read as a number, a non-finite number, an empty (missing) value or text. */
type ParsedCell =
  | { kind: 'number'; value: number }
  | { kind: 'non-finite'; text: string }
  | { kind: 'missing' }
  | { kind: 'text'; text: string };

const NUMBER_PATTERN = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE_PATTERN = /^[+-]?(nan|inf|infinity)$/i;
const MISSING_PATTERN = /^(na|n\/a|null|none|\?)$/i;

/**
 * Picks the label column: the requested one, else the only column named label,
 * y, target or class (in any letter case).
 *
 * @throws InputError when the requested column does not exist or no default
 *   applies; the message lists the columns.
 */
export function resolveLabelColumn(columns: string[], requested: string | undefined, file: string): string {
  if (requested !== undefined) {
    if (columns.includes(requested)) {
      return requested;
    }
    const sameLetters = columns.filter((column) => column.toLowerCase() === requested.toLowerCase());
    const hint = sameLetters.length === 1 ? ` (did you mean ${quoteValue(sameLetters[0])}?)` : '';
    throw new InputError(
      file,
      `the label column ${quoteValue(requested)} is not among the columns ${listNames(columns, 50)}${hint}`,
      `Name one of these columns with ${LABEL_COLUMN_OPTION}`,
    );
  }

  const candidates = columns.filter((column) => DEFAULT_LABEL_NAMES.includes(column.toLowerCase()));
  if (candidates.length === 1) {
    return candidates[0];
  }
  const reason =
    candidates.length === 0
      ? `no label column was given and no column is named ${DEFAULT_LABEL_NAMES.join(', ')}`
      : `no label column was given and several columns could be the label (${listNames(candidates)})`;
  throw new InputError(file, `${reason} (columns: ${listNames(columns, 50)})`, `Name the label column with ${LABEL_COLUMN_OPTION}`);
}

/**
 * Converts the table into inputs [rows, features] and labels [rows].
 *
 * @param labelColumn Name of the label column; it must be one of `table.columns`.
 * @param categories Categories per column in index order, overriding first appearance.
 * @throws InputError naming the row and column for a missing value, a NaN or
 *   infinite number, a column that mixes numbers and text, or a value outside
 *   the given categories.
 */
export function tableToDataset(
  table: Table,
  file: string,
  labelColumn: string,
  categories: Record<string, string[]> | undefined,
): DatasetContent {
  const labelIndex = table.columns.indexOf(labelColumn);
  const featureIndices = table.columns.map((_, i) => i).filter((i) => i !== labelIndex);
  if (table.rows.length === 0) {
    throw new InputError(file, 'the file has no data rows', 'Add at least one row of data');
  }
  if (featureIndices.length === 0) {
    throw new InputError(file, `the only column is the label column ${quoteValue(labelColumn)}, so there are no input features`, 'Add the input columns to the file');
  }
  checkCategoryColumns(table, file, categories);

  const rowCount = table.rows.length;
  const x = new Float32Array(rowCount * featureIndices.length);
  const foundCategories: [string, string[]][] = [];

  featureIndices.forEach((columnIndex, featureIndex) => {
    const column = convertColumn(table, file, columnIndex, givenCategories(categories, table.columns[columnIndex]));
    for (let row = 0; row < rowCount; row++) {
      x[row * featureIndices.length + featureIndex] = column.values[row];
    }
    if (column.categories) {
      foundCategories.push([table.columns[columnIndex], column.categories]);
    }
  });

  const label = convertColumn(table, file, labelIndex, givenCategories(categories, labelColumn));
  if (label.categories) {
    foundCategories.push([labelColumn, label.categories]);
  }

  return {
    x,
    xShape: [rowCount, featureIndices.length],
    y: label.values,
    yShape: [rowCount],
    featureNames: featureIndices.map((i) => table.columns[i]),
    // Object.fromEntries keeps a column named "__proto__" as an own property, where an assignment would set the prototype.
    categories: Object.fromEntries(foundCategories),
    labelColumn,
    classNames: label.categories,
  };
}

/**
 * Returns the categories given for `column`, or undefined. The own-property
 * check keeps a column named "constructor" or "toString" from finding the
 * methods of Object.prototype.
 */
export function givenCategories(categories: Record<string, string[]> | undefined, column: string): string[] | undefined {
  return categories !== undefined && Object.hasOwn(categories, column) ? categories[column] : undefined;
}

function checkCategoryColumns(table: Table, file: string, categories: Record<string, string[]> | undefined): void {
  for (const [column, names] of Object.entries(categories ?? {})) {
    if (!table.columns.includes(column)) {
      throw new InputError(
        file,
        `categories are given for column ${quoteValue(column)}, which is not among the columns ${listNames(table.columns, 50)}`,
        'Correct the column name in the categories, or remove that entry',
      );
    }
    const repeated = names.find((name, i) => names.indexOf(name) !== i);
    if (repeated !== undefined) {
      throw new InputError(file, `the categories given for column ${quoteValue(column)} list ${quoteValue(repeated)} twice`, 'List each category once');
    }
  }
}

/** Converts one column to numbers; `categories` is set for a text column. */
function convertColumn(
  table: Table,
  file: string,
  columnIndex: number,
  givenCategories: string[] | undefined,
): { values: Float32Array; categories: string[] | null } {
  const values = new Float32Array(table.rows.length);
  const where = (row: number): string => `${table.describeRow(row)}, ${table.describeColumn(columnIndex)}`;

  if (givenCategories) {
    // Names match in Unicode normal form C, so "é" typed as one code point or as e and an accent is the same category.
    const indexOf = new Map(givenCategories.map((name, i) => [name.normalize('NFC'), i]));
    table.rows.forEach((cells, row) => {
      const text = categoryText(cells[columnIndex], file, where(row));
      const index = indexOf.get(text.normalize('NFC'));
      if (index === undefined) {
        throw new InputError(
          file,
          `${where(row)} has the value ${quoteValue(text)}, which is not among the given categories ${listNames(givenCategories)}`,
          'Add the value to the categories, or correct the cell',
        );
      }
      values[row] = index;
    });
    return { values, categories: [...givenCategories] };
  }

  const parsed = table.rows.map((cells) => parseCell(cells[columnIndex]));
  parsed.forEach((cell, row) => checkCellIsValue(cell, file, where(row)));

  const firstKind = parsed[0].kind;
  const otherRow = parsed.findIndex((cell) => cell.kind !== firstKind);
  if (otherRow >= 0) {
    throwMixedColumn(parsed, otherRow, file, where);
  }

  if (firstKind === 'number') {
    parsed.forEach((cell, row) => {
      const value = cell.kind === 'number' ? cell.value : NaN;
      values[row] = value;
      if (!Number.isFinite(values[row])) {
        throw new InputError(file, `${where(row)} has the value ${value}, which is outside the float32 range of ±3.4e38`, 'Rescale the column');
      }
    });
    return { values, categories: null };
  }

  // Every cell is text here: the checks above rejected missing, non-finite and mixed cells.
  const indexOf = new Map<string, number>();
  parsed.forEach((cell, row) => {
    const text = cell.kind === 'text' ? cell.text : '';
    let index = indexOf.get(text);
    if (index === undefined) {
      index = indexOf.size;
      indexOf.set(text, index);
    }
    values[row] = index;
  });
  return { values, categories: [...indexOf.keys()] };
}

function parseCell(cell: Cell): ParsedCell {
  if (cell === null) {
    return { kind: 'missing' };
  }
  if (typeof cell === 'boolean') {
    return { kind: 'number', value: cell ? 1 : 0 };
  }
  if (typeof cell === 'number') {
    return Number.isFinite(cell) ? { kind: 'number', value: cell } : { kind: 'non-finite', text: String(cell) };
  }

  const text = cell.trim();
  if (text === '') {
    return { kind: 'missing' };
  }
  if (NUMBER_PATTERN.test(text)) {
    const value = Number(text);
    return Number.isFinite(value) ? { kind: 'number', value } : { kind: 'non-finite', text };
  }
  if (NON_FINITE_PATTERN.test(text)) {
    return { kind: 'non-finite', text };
  }
  return { kind: 'text', text };
}

function checkCellIsValue(cell: ParsedCell, file: string, where: string): void {
  if (cell.kind === 'missing') {
    throw new InputError(file, `${where} is empty`, 'Fill in the missing value or drop the row');
  }
  if (cell.kind === 'non-finite') {
    throw new InputError(file, `${where} has the value ${quoteValue(cell.text)}, which is not a finite number`, 'Replace NaN and infinite values, or drop those rows');
  }
}

// The kind of the first row is taken as the column's kind, so the message names
// the first row that differs. A marker such as NA in a numeric column is a missing value.
function throwMixedColumn(parsed: ParsedCell[], otherRow: number, file: string, where: (row: number) => string): never {
  const numberRow = parsed[0].kind === 'number' ? 0 : otherRow;
  const textRow = numberRow === 0 ? otherRow : 0;
  const textCell = parsed[textRow] as { text: string };

  if (MISSING_PATTERN.test(textCell.text)) {
    throw new InputError(
      file,
      `${where(textRow)} has ${quoteValue(textCell.text)}, a missing value in a numeric column`,
      'Fill in the missing values or drop those rows',
    );
  }
  const numberValue = (parsed[numberRow] as { value: number }).value;
  throw new InputError(
    file,
    `the column mixes numbers and text: ${where(numberRow)} has ${numberValue} but ${where(textRow)} has ${quoteValue(textCell.text)}`,
    'Correct the cell, or list the column in the categories to treat every value as a category',
  );
}

/** Returns the category name of a cell in a column with given categories, a number as its text. */
function categoryText(cell: Cell, file: string, where: string): string {
  if (cell === null || (typeof cell === 'string' && cell.trim() === '')) {
    throw new InputError(file, `${where} is empty`, 'Fill in the missing value or drop the row');
  }
  return typeof cell === 'string' ? cell.trim() : String(cell);
}

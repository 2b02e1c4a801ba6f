import { CsvError, parse } from 'csv-parse/sync';

import { InputError } from '../errors';
import { quoteValue } from './formatting';
import { resolveLabelColumn, type Table, tableToDataset } from './table';
import type { DatasetContent } from './types';

export interface CsvOptions {
  /** Column holding the label; default: the only column named label, y, target or class. */
  labelColumn?: string;
  /** Categories per text column in index order, overriding first appearance. */
  categories?: Record<string, string[]>;
}

/**
 * Parses a comma-separated file whose first record is a header. Fields are
 * trimmed, a byte order mark is skipped, and empty lines are skipped.
 *
 * @returns Inputs [rows, features] from every column but the label, and labels [rows].
 * @throws InputError for a missing or invalid header, a quoting error, a row whose
 *   field count differs from the header's, and every cell error of `tableToDataset`,
 *   each naming the line.
 */
export function parseCsvDataset(text: string, file: string, options: CsvOptions = {}): DatasetContent {
  const records: string[][] = [];
  const lineNumbers: number[] = [];
  try {
    parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      on_record: (record: string[], context) => {
        records.push(record);
        lineNumbers.push(context.lines);
        return null;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) {
      throw error;
    }
    throw new InputError(file, `the CSV could not be parsed (${error.message})`, 'Fix the quoting or line breaks at that line');
  }

  if (records.length === 0) {
    throw new InputError(file, 'the file is empty', 'Write a header line naming the columns, then one line per sample');
  }
  const columns = checkHeader(records[0], file);

  const rows = records.slice(1);
  rows.forEach((row, i) => {
    if (row.length !== columns.length) {
      throw new InputError(
        file,
        `line ${lineNumbers[i + 1]} has ${row.length} ${row.length === 1 ? 'field' : 'fields'} but the header has ${columns.length}`,
        'Give every line as many comma-separated fields as the header, and quote fields that contain commas',
      );
    }
  });

  const table: Table = {
    columns,
    rows,
    describeRow: (rowIndex) => `line ${lineNumbers[rowIndex + 1]}`,
    describeColumn: (columnIndex) => `column ${quoteValue(columns[columnIndex])}`,
  };
  if (columns.length === 1) {
    throw new InputError(
      file,
      `the header has a single column ${quoteValue(columns[0])}, so there are no input features`,
      columns[0].includes(';') || columns[0].includes('\t')
        ? 'Separate the fields with commas, not semicolons or tabs'
        : 'Add the input columns to the file',
    );
  }
  const labelColumn = resolveLabelColumn(columns, options.labelColumn, file);
  return tableToDataset(table, file, labelColumn, options.categories);
}

function checkHeader(header: string[], file: string): string[] {
  const emptyIndex = header.findIndex((name) => name === '');
  if (emptyIndex >= 0) {
    throw new InputError(file, `the header's field ${emptyIndex + 1} is empty`, 'Name every column in the header line');
  }

  const repeated = header.find((name, i) => header.indexOf(name) !== i);
  if (repeated !== undefined) {
    throw new InputError(file, `the header names the column ${quoteValue(repeated)} twice`, 'Give every column a distinct name');
  }

  if (header.every((name) => /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(name))) {
    throw new InputError(
      file,
      'the first line contains only numbers, so the file has no header',
      'Add a header line naming the columns, for instance x1,x2,label',
    );
  }
  return header;
}

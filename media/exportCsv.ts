/**
 * CSV export of a report: the extreme eigenvalues, the density and the per-layer
 * curvature, as three tables in one file. Each table starts with its header row,
 * tables are separated by an empty line, and every row starts with the table's
 * name, so a reader can split the file on the first column. Quoting follows RFC 4180.
 */
import type { PartialReport } from '../src/engine/api';

type Cell = string | number | boolean | null | undefined;

/**
 * Prefixes text that a spreadsheet would run as a formula (leading `=`, `+`, `-`,
 * `@`, tab or carriage return) with an apostrophe. Applied to text from model
 * files only, never to numbers, so negative eigenvalues stay numbers.
 */
export function neutralizeFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** Formats one CSV field: numbers in full precision, null as empty, text quoted where needed. */
export function csvField(value: Cell): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? String(value) : '';
  }
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvRow(cells: Cell[]): string {
  return cells.map(csvField).join(',');
}

/** Builds the CSV text of a report; tables whose field is missing are left out. */
export function reportToCsv(report: PartialReport): string {
  const tables: string[][] = [];

  if (report.eigenvalues) {
    const eigenvalues = report.eigenvalues;
    const rows = [csvRow(['table', 'end', 'rank', 'eigenvalue', 'residual'])];
    eigenvalues.top.forEach((value, index) => {
      rows.push(csvRow(['eigenvalues', 'top', index + 1, value, eigenvalues.topResiduals[index]]));
    });
    eigenvalues.bottom.forEach((value, index) => {
      rows.push(csvRow(['eigenvalues', 'bottom', index + 1, value, eigenvalues.bottomResiduals[index]]));
    });
    tables.push(rows);
  }

  if (report.density) {
    const density = report.density;
    const rows = [csvRow(['table', 'eigenvalue', 'density'])];
    density.grid.forEach((eigenvalue, index) => {
      rows.push(csvRow(['density', eigenvalue, density.values[index]]));
    });
    tables.push(rows);
  }

  if (report.layers) {
    const rows = [
      csvRow(['table', 'layer', 'class', 'parameters', 'lambda_max', 'lambda_min', 'trace', 'trace_standard_error', 'negative_mass']),
    ];
    for (const layer of report.layers) {
      rows.push(
        csvRow([
          'layers',
          neutralizeFormula(layer.name),
          neutralizeFormula(layer.className),
          layer.numParameters,
          layer.lambdaMax,
          layer.lambdaMin,
          layer.trace,
          layer.traceStandardError,
          layer.negativeMass,
        ]),
      );
    }
    tables.push(rows);
  }

  return tables.map((rows) => rows.join('\r\n')).join('\r\n\r\n') + (tables.length > 0 ? '\r\n' : '');
}

/**
 * Choices of the dataset-linking dialogue, kept free of `vscode` so that tests
 * run them without an editor: which label column to suggest, which labels
 * file, which losses to offer, and the confirmation text.
 */

import * as path from 'node:path';

import { DEFAULT_LABEL_NAMES } from '../../engine/data/table';
import type { LossName } from '../../engine/report';
import type { DatasetLink } from '../../protocol';

/** Every loss the engine supports, with what it expects, in the order the dialogue lists them. */
export const LOSS_DESCRIPTIONS: Record<LossName, string> = {
  sparse_categorical_crossentropy: 'classification, labels are class indices, softmax output',
  categorical_crossentropy: 'classification, labels are one-hot rows, softmax output',
  binary_crossentropy: 'binary or multi-label classification, sigmoid output',
  mean_squared_error: 'regression',
  mean_absolute_error: 'regression, robust to outliers',
};

/**
 * Orders columns for the label pick: the column the sidecar names, else the
 * only column with a default label name (label, y, target, class, in any
 * case), else the last column, then the others in file order.
 */
export function orderLabelColumns(columns: string[], current?: string): string[] {
  const suggested = suggestLabelColumn(columns, current);
  return suggested === null ? [...columns] : [suggested, ...columns.filter((column) => column !== suggested)];
}

export function suggestLabelColumn(columns: string[], current?: string): string | null {
  if (current !== undefined && columns.includes(current)) {
    return current;
  }
  const defaults = columns.filter((column) => DEFAULT_LABEL_NAMES.includes(column.toLowerCase()));
  if (defaults.length === 1) {
    return defaults[0];
  }
  return columns.length > 0 ? columns[columns.length - 1] : null;
}

/**
 * Orders candidate labels files for a .npy inputs file: .npy files other than
 * the inputs, those in the same folder first, and among them names that look
 * like labels (y, label, labels, target) first.
 */
export function orderLabelsFiles(dataFiles: string[], inputsPath: string): string[] {
  const folder = path.dirname(inputsPath);
  const looksLikeLabels = (file: string): boolean => /^(y|labels?|targets?)([._-]|$)/i.test(path.basename(file));
  const rank = (file: string): number => (path.dirname(file) === folder ? 0 : 2) + (looksLikeLabels(file) ? 0 : 1);
  return dataFiles
    .filter((file) => file !== inputsPath && path.extname(file).toLowerCase() === '.npy')
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Inputs and labels array names of an .npz archive or a JSON `{x, y}` file, or null when `x` and `y` are both present. */
export function arrayKeysToAsk(arrays: string[]): string[] | null {
  return arrays.includes('x') && arrays.includes('y') ? null : arrays;
}

/**
 * Largest number of distinct values of a text column whose order the
 * dialogue requests. A column with more is an identifier rather than a category, and
 * keeps the order of first appearance, which the report notes.
 */
export const MAX_CATEGORIES_TO_ORDER = 20;

/** One offered order of a text column's categories. */
export interface CategoryOrderChoice {
  label: string;
  description: string;
  order: string[];
}

/**
 * Orders to offer for a text column: the linked order when it lists the same
 * values, the order of first appearance in the file, and the alphabetical
 * order, without repeats. The engine numbers the categories 0, 1, … in the
 * chosen order.
 */
export function categoryOrderChoices(found: string[], linked?: string[]): CategoryOrderChoice[] {
  const candidates: CategoryOrderChoice[] = [];
  if (linked !== undefined && sameValues(linked, found)) {
    candidates.push({ label: linked.join(', '), description: 'linked now', order: [...linked] });
  }
  candidates.push({ label: found.join(', '), description: 'order of first appearance in the file', order: [...found] });
  const sorted = [...found].sort((a, b) => a.localeCompare(b));
  candidates.push({ label: sorted.join(', '), description: 'alphabetical', order: sorted });

  const seen = new Set<string>();
  return candidates.filter((choice) => {
    const key = JSON.stringify(choice.order);
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

/**
 * Reads an order typed as comma-separated names. Returns the order, or a
 * message when it does not list each of `found` exactly once.
 */
export function parseCategoryOrder(text: string, found: string[]): { order: string[] } | { message: string } {
  const order = text.split(',').map((name) => name.trim());
  const missing = found.filter((name) => !order.includes(name));
  const unknown = order.filter((name) => !found.includes(name));
  const repeated = order.filter((name, index) => order.indexOf(name) !== index);
  if (missing.length > 0) {
    return { message: `Missing: ${missing.join(', ')}. List every category once, separated by commas.` };
  }
  if (unknown.length > 0) {
    return { message: `Not in the file: ${unknown.join(', ')}. List only the values of the column.` };
  }
  if (repeated.length > 0) {
    return { message: `Listed twice: ${[...new Set(repeated)].join(', ')}.` };
  }
  return { order };
}

function sameValues(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((name) => b.includes(name));
}

/** Builds the confirmation text: which data, labels and loss the link writes, and to which file. */
export function confirmationText(modelPath: string, sidecarPath: string, link: DatasetLink): string {
  const parts = [`data ${path.basename(link.data)}`];
  if (link.labels !== undefined) parts.push(`labels ${path.basename(link.labels)}`);
  if (link.labelColumn !== undefined) parts.push(`label column "${link.labelColumn}"`);
  if (link.xKey !== undefined) parts.push(`inputs array "${link.xKey}"`);
  if (link.yKey !== undefined) parts.push(`labels array "${link.yKey}"`);
  for (const [column, order] of Object.entries(link.categories ?? {})) {
    parts.push(`column "${column}" as ${order.map((name, index) => `${name}=${index}`).join(' ')}`);
  }
  if (link.loss !== undefined) parts.push(`loss ${link.loss}`);
  return (
    `Link ${parts.join(', ')} to ${path.basename(modelPath)}? ` +
    `This writes ${path.basename(sidecarPath)} beside the model; you can edit or commit it.`
  );
}

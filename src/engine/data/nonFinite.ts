import { InputError } from '../errors';
import { formatIndex } from './formatting';

/**
 * Throws an InputError when `values` contains NaN or ±Infinity. The message
 * gives the first such value's multi-index in `shape` and the count of all of
 * them. `subject` names the array in the message, for instance `the labels`.
 */
export function assertFinite(values: Float32Array, shape: readonly number[], file: string, subject: string): void {
  let first = -1;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      if (first < 0) {
        first = i;
      }
      count++;
    }
  }
  if (first < 0) {
    return;
  }

  throw new InputError(
    file,
    `the value at index ${formatIndex(first, shape)} of ${subject} is ${values[first]} ` +
      `(${count} non-finite ${count === 1 ? 'value' : 'values'} in all)`,
    'Remove or replace NaN and infinite values before loading, for instance by dropping those samples or with numpy.nan_to_num',
  );
}

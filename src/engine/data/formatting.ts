/** Formatting of shapes, sizes and file values for error messages. */

/** Formats a shape as `[1000, 28, 28, 1]`, with `null` for an unknown dimension. */
export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((dimension) => (dimension === null ? 'null' : String(dimension))).join(', ')}]`;
}

/** Formats a byte count as `3.0 MiB (3136128 bytes)`. */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) {
    return `${bytes} bytes`;
  }

  let scaled = bytes / 1024;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return `${scaled.toFixed(1)} ${units[unit]} (${bytes} bytes)`;
}

const MAX_QUOTED_LENGTH = 60;

/**
 * Quotes a value read from a file for a message. JSON escaping keeps control
 * characters and line breaks out of the one-line message, and long values are
 * cut at 60 characters.
 */
export function quoteValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') {
    text = value.length > MAX_QUOTED_LENGTH ? `${value.slice(0, MAX_QUOTED_LENGTH)}…` : value;
    return JSON.stringify(text);
  }

  text = typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value);
  return text.length > MAX_QUOTED_LENGTH ? `${text.slice(0, MAX_QUOTED_LENGTH)}…` : text;
}

/** Quotes and joins names for a message: `"a", "b", "c"`, at most `max` of them. */
export function listNames(names: readonly string[], max = 20): string {
  if (names.length === 0) {
    return '(none)';
  }
  const shownNames = names.slice(0, max).map((name) => quoteValue(name));
  const rest = names.length - shownNames.length;
  return rest > 0 ? `${shownNames.join(', ')} and ${rest} more` : shownNames.join(', ');
}

/** Converts a flat row-major offset into a multi-index `[i, j, …]` of `shape`. */
export function formatIndex(offset: number, shape: readonly number[]): string {
  const index = new Array<number>(shape.length);
  let remainder = offset;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index[axis] = remainder % shape[axis];
    remainder = Math.floor(remainder / shape[axis]);
  }
  return formatShape(index);
}

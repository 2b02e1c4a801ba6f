/**
 * Number, duration and date formatting for the spectrum view. Pure functions: the
 * Node tests import this module directly.
 */

/** Shown where a value is null (not computed) or not a finite number. */
export const MISSING = '—';

/**
 * Formats a number with `digits` significant digits. Values of magnitude 1e5 and
 * above or under 1e-3 use exponent notation without a plus sign (`1.23e5`,
 * `-4.5e-4`), which JavaScript and Python both parse.
 */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return MISSING;
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? '∞' : '-∞';
  }
  if (value === 0) {
    return '0';
  }

  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) {
    const [mantissa, exponent] = value.toExponential(digits - 1).split('e');
    const trimmedMantissa = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
    return `${trimmedMantissa}e${exponent.replace('+', '')}`;
  }
  return String(Number(value.toPrecision(digits)));
}

/** Formats a share in [0, 1] as a percentage with three significant digits. */
export function formatPercent(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) {
    return MISSING;
  }
  return `${formatNumber(share * 100, 3)}%`;
}

/** Formats an estimate with its standard error, for instance `412.5 ± 8.31`. */
export function formatWithError(estimate: number | null | undefined, standardError: number | null | undefined): string {
  const formattedEstimate = formatNumber(estimate);
  if (standardError === null || standardError === undefined || !Number.isFinite(standardError)) {
    return formattedEstimate;
  }
  return `${formattedEstimate} ± ${formatNumber(standardError, 3)}`;
}

/** Formats a wall time given in milliseconds: `850 ms`, `4.2 s`, `3 min 7 s`, `1 h 2 min`. */
export function formatDuration(milliseconds: number | null | undefined): string {
  if (milliseconds === null || milliseconds === undefined || !Number.isFinite(milliseconds) || milliseconds < 0) {
    return MISSING;
  }
  if (milliseconds < 1000) {
    return `${Math.round(milliseconds)} ms`;
  }
  const seconds = milliseconds / 1000;
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  const wholeSeconds = Math.round(seconds);
  const hours = Math.floor(wholeSeconds / 3600);
  const minutes = Math.floor((wholeSeconds % 3600) / 60);
  const restSeconds = wholeSeconds % 60;
  return hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min ${restSeconds} s`;
}

/** Formats an ISO 8601 time in the reader's locale; returns the input unchanged when it is not a date. */
export function formatDate(isoTime: string | null | undefined): string {
  if (typeof isoTime !== 'string') {
    return MISSING;
  }
  const date = new Date(isoTime);
  if (Number.isNaN(date.getTime())) {
    return isoTime;
  }
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Formats an integer count with thousands separators, for instance `61,706`. */
export function formatCount(count: number | null | undefined): string {
  if (count === null || count === undefined || !Number.isFinite(count)) {
    return MISSING;
  }
  return count.toLocaleString('en-US');
}

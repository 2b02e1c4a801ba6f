/** Number formats of lens titles and diagnostic messages. */

/** Three significant digits, in exponent notation outside [0.001, 10000); `n/a` for null. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return 'n/a';
  }
  if (value === 0) {
    return '0';
  }
  const magnitude = Math.abs(value);
  if (magnitude >= 1e4 || magnitude < 1e-3) {
    return value.toExponential(2).replace(/-/g, '−');
  }
  return Number(value.toPrecision(3)).toString().replace(/-/g, '−');
}

/** A share between 0 and 1 as a percentage with one decimal; `n/a` for null. */
export function formatShare(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) {
    return 'n/a';
  }
  return `${(share * 100).toFixed(1)}%`;
}

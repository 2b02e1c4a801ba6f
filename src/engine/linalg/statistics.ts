/** Sample mean of independent draws with its standard error. */
export interface MeanEstimate {
  mean: number;
  /**
   * Sample standard deviation (n − 1 denominator) divided by √n, for n draws.
   * Null for a single draw, which has no spread.
   */
  standardError: number | null;
}

/** Computes the mean of independent draws and its standard error. */
export function estimateMean(draws: ArrayLike<number>): MeanEstimate {
  const count = draws.length;
  if (count < 1) {
    throw new RangeError('The mean of zero draws is undefined.');
  }

  let total = 0;
  for (let i = 0; i < count; i++) {
    total += draws[i];
  }
  const mean = total / count;
  if (count === 1) {
    return { mean, standardError: null };
  }

  let squaredDeviations = 0;
  for (let i = 0; i < count; i++) {
    squaredDeviations += (draws[i] - mean) ** 2;
  }
  const variance = squaredDeviations / (count - 1);
  return { mean, standardError: Math.sqrt(variance / count) };
}

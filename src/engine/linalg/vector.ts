/**
 * Level-1 vector operations on typed arrays. Every sum accumulates in float64
 * (JavaScript numbers), also when an argument is a Float32Array, so a float32
 * input loses precision only where it was stored.
 */

/** A vector stored in double or single precision. */
export type NumericVector = Float64Array | Float32Array;

/** Returns the inner product xᵀy of two vectors of equal length. */
export function dot(x: NumericVector, y: NumericVector): number {
  checkLengths(x, y);
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    sum += x[i] * y[i];
  }
  return sum;
}

/** Returns the Euclidean norm ‖x‖₂. */
export function norm(x: NumericVector): number {
  return Math.sqrt(dot(x, x));
}

/** Computes y ← y + a·x in place and returns y. */
export function axpy(a: number, x: NumericVector, y: Float64Array): Float64Array {
  checkLengths(x, y);
  for (let i = 0; i < x.length; i++) {
    y[i] += a * x[i];
  }
  return y;
}

/** Computes x ← a·x in place and returns x. */
export function scaleInPlace(a: number, x: Float64Array): Float64Array {
  for (let i = 0; i < x.length; i++) {
    x[i] *= a;
  }
  return x;
}

/** Returns a new vector a·x. */
export function scaled(a: number, x: NumericVector): Float64Array {
  const result = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    result[i] = a * x[i];
  }
  return result;
}

/** Returns a new vector x − y. */
export function subtract(x: NumericVector, y: NumericVector): Float64Array {
  checkLengths(x, y);
  const result = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    result[i] = x[i] - y[i];
  }
  return result;
}

/**
 * Returns x/‖x‖ as a new vector.
 *
 * @throws RangeError when x is the zero vector, which has no direction.
 */
export function normalized(x: NumericVector): Float64Array {
  const length = norm(x);
  if (length === 0) {
    throw new RangeError('Cannot normalize the zero vector.');
  }
  const result = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    result[i] = x[i] / length;
  }
  return result;
}

/** Returns the sum of the entries, Σᵢ xᵢ. */
export function sum(x: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    total += x[i];
  }
  return total;
}

/**
 * Returns Σⱼ coefficients[j]·vectors[j], a linear combination of equally long
 * vectors. Used to form Ritz vectors from a Krylov basis.
 */
export function linearCombination(coefficients: ArrayLike<number>, vectors: readonly NumericVector[]): Float64Array {
  if (coefficients.length !== vectors.length) {
    throw new RangeError(`Got ${coefficients.length} coefficients for ${vectors.length} vectors.`);
  }
  if (vectors.length === 0) {
    throw new RangeError('A linear combination needs at least one vector.');
  }

  const result = new Float64Array(vectors[0].length);
  for (let j = 0; j < vectors.length; j++) {
    axpy(coefficients[j], vectors[j], result);
  }
  return result;
}

function checkLengths(x: NumericVector, y: NumericVector): void {
  if (x.length !== y.length) {
    throw new RangeError(`Vector lengths differ: ${x.length} and ${y.length}.`);
  }
}

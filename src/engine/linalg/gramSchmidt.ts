import { axpy, dot, norm, type NumericVector } from './vector';

/**
 * Removes from `vector`, in place, its components along orthonormal `basis`
 * vectors, with two passes of classical Gram–Schmidt. In floating point one
 * pass can leave large components when `vector` lies almost in the span of the
 * basis. A second pass brings the result orthogonal to the basis to working
 * precision (Kahan and Parlett's "twice is enough"). Costs 4·k·n flops for k
 * basis vectors of length n.
 */
export function orthogonalizeAgainst(vector: Float64Array, basis: readonly NumericVector[]): Float64Array {
  const coefficients = new Float64Array(basis.length);
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < basis.length; j++) {
      coefficients[j] = dot(basis[j], vector);
    }
    for (let j = 0; j < basis.length; j++) {
      axpy(-coefficients[j], basis[j], vector);
    }
  }
  return vector;
}

/**
 * Computes an orthonormal basis Q of the span of the given columns: the Q
 * factor of a thin QR decomposition, Y = QR, by Gram–Schmidt with
 * reorthogonalization. Dependent columns add no vector (see
 * `extendOrthonormalBasis`), so Q has rank(Y) columns within `dropTolerance`.
 * The columns are not modified.
 *
 * Returns the basis vectors (each of the columns' length), at most as many as columns.
 */
export function orthonormalBasis(columns: readonly NumericVector[], dropTolerance = 1e-10): Float64Array[] {
  const basis: Float64Array[] = [];
  for (const column of columns) {
    extendOrthonormalBasis(basis, Float64Array.from(column), dropTolerance);
  }
  return basis;
}

/**
 * Orthogonalizes `column` in place against the orthonormal `basis`, normalizes
 * it and appends it to `basis`. A column whose norm falls to `dropTolerance`
 * times its original norm or below is linearly dependent on the basis, so it
 * is not appended. Returns whether the column was appended.
 */
export function extendOrthonormalBasis(basis: Float64Array[], column: Float64Array, dropTolerance = 1e-10): boolean {
  const originalNorm = norm(column);
  if (originalNorm === 0) {
    return false;
  }

  orthogonalizeAgainst(column, basis);
  const residualNorm = norm(column);
  if (residualNorm <= dropTolerance * originalNorm) {
    return false;
  }

  for (let i = 0; i < column.length; i++) {
    column[i] /= residualNorm;
  }
  basis.push(column);
  return true;
}

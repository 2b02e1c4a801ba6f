/**
 * Eigen-decomposition of a symmetric tridiagonal matrix T by the implicit
 * symmetric QR algorithm: Wilkinson shifts, Givens rotations that chase the
 * bulge down the block, and deflation wherever an off-diagonal entry falls to
 * rounding level. Lanczos and stochastic Lanczos quadrature use it on T of
 * order m ≤ a few hundred, where its O(m²) cost (O(m³) with full eigenvectors)
 * is negligible next to one Hessian-vector product.
 */

/** How much of the eigenvectors to compute. */
export interface TridiagonalEigenOptions {
  /**
   * Also compute every eigenvector (O(m³) time, m² memory). The first and last
   * components are always computed, at O(m²) cost.
   */
  vectors?: boolean;
}

/** Eigenvalues of T in ascending order, with the eigenvector data requested. */
export interface TridiagonalEigenResult {
  /** Eigenvalues θ₁ ≤ … ≤ θ_m. */
  values: Float64Array;
  /** First component s₁ᵢ of each unit eigenvector, in the order of `values`. */
  firstComponents: Float64Array;
  /** Last component s_mᵢ of each unit eigenvector, in the order of `values`. */
  lastComponents: Float64Array;
  /** Unit eigenvectors (each of length m) in the order of `values`, when requested. */
  vectors: Float64Array[] | null;
}

/** Maximum QR steps per eigenvalue before giving up; Wilkinson shifts need about 2. */
const MAX_STEPS_PER_EIGENVALUE = 30;

/**
 * Computes the eigenvalues of the symmetric tridiagonal matrix with the given
 * diagonal (length m) and off-diagonal (length m − 1), and the first and last
 * components of its unit eigenvectors, or the whole eigenvectors on request.
 * Eigenvector signs are arbitrary. The test checks it against the closed-form
 * spectrum of the 1-D Laplacian, 2 − 2cos(kπ/(m + 1)), and against a dense
 * Jacobi eigensolver.
 *
 * @throws RangeError when the lengths do not match or an entry is not finite.
 * @throws Error when some eigenvalue needs more than 30 QR steps, which with
 *   Wilkinson shifts does not happen for finite input.
 */
export function tridiagonalEigen(
  diagonal: ArrayLike<number>,
  offDiagonal: ArrayLike<number>,
  options: TridiagonalEigenOptions = {},
): TridiagonalEigenResult {
  const order = diagonal.length;
  validateInput(diagonal, offDiagonal);

  const alphas = Float64Array.from(diagonal);
  const betas = Float64Array.from(offDiagonal);
  const firstRow = new Float64Array(order);
  const lastRow = new Float64Array(order);
  firstRow[0] = 1;
  lastRow[order - 1] = 1;
  const columns = options.vectors ? identityColumns(order) : null;

  const rotate = (k: number, cosine: number, sine: number): void => {
    rotatePair(firstRow, k, cosine, sine);
    rotatePair(lastRow, k, cosine, sine);
    if (columns) {
      rotateColumns(columns, k, cosine, sine);
    }
  };

  diagonalize(alphas, betas, rotate);

  return sortAscending(alphas, firstRow, lastRow, columns);
}

/**
 * Drives T to diagonal form in place. `rotate(k, c, s)` receives every Givens
 * rotation, which acts on indices k and k + 1, so that the caller can
 * accumulate the eigenvectors V ← V·Gᵀ.
 */
function diagonalize(
  alphas: Float64Array,
  betas: Float64Array,
  rotate: (k: number, cosine: number, sine: number) => void,
): void {
  const order = alphas.length;
  let upper = order - 1;
  let stepsForThisEigenvalue = 0;

  while (upper > 0) {
    if (isNegligible(alphas, betas, upper - 1)) {
      betas[upper - 1] = 0;
      upper--;
      stepsForThisEigenvalue = 0;
      continue;
    }

    // The unreduced block ends at `upper`; find where it starts.
    let lower = upper - 1;
    while (lower > 0 && !isNegligible(alphas, betas, lower - 1)) {
      lower--;
    }
    if (lower > 0) {
      betas[lower - 1] = 0;
    }

    stepsForThisEigenvalue++;
    if (stepsForThisEigenvalue > MAX_STEPS_PER_EIGENVALUE) {
      throw new Error(
        `The tridiagonal eigensolver did not converge after ${MAX_STEPS_PER_EIGENVALUE} QR steps ` +
          `at index ${upper} of ${order}.`,
      );
    }
    implicitQrStep(alphas, betas, lower, upper, rotate);
  }
}

/**
 * True when the off-diagonal entry βₖ is below rounding level relative to its
 * neighbours on the diagonal, so that T splits into two blocks there.
 */
function isNegligible(alphas: Float64Array, betas: Float64Array, k: number): boolean {
  return Math.abs(betas[k]) <= Number.EPSILON * (Math.abs(alphas[k]) + Math.abs(alphas[k + 1]));
}

/**
 * Applies one implicit symmetric QR step with a Wilkinson shift to the
 * unreduced block [lower, upper]: T ← G T Gᵀ with Givens rotations G that chase
 * the bulge from the top of the block to its bottom.
 */
function implicitQrStep(
  alphas: Float64Array,
  betas: Float64Array,
  lower: number,
  upper: number,
  rotate: (k: number, cosine: number, sine: number) => void,
): void {
  const shift = wilkinsonShift(alphas[upper - 1], alphas[upper], betas[upper - 1]);

  // (x, z) is the pair that the next rotation maps to (r, 0): first the shifted
  // first column of the block, afterwards the sub-diagonal entry and the bulge.
  let x = alphas[lower] - shift;
  let z = betas[lower];

  for (let k = lower; k < upper; k++) {
    const radius = Math.hypot(x, z);
    const cosine = radius === 0 ? 1 : x / radius;
    const sine = radius === 0 ? 0 : z / radius;

    if (k > lower) {
      betas[k - 1] = radius;
    }

    const diagonalTop = alphas[k];
    const diagonalBottom = alphas[k + 1];
    const offDiagonal = betas[k];
    const cosineSine = cosine * sine;
    alphas[k] = cosine * cosine * diagonalTop + 2 * cosineSine * offDiagonal + sine * sine * diagonalBottom;
    alphas[k + 1] = sine * sine * diagonalTop - 2 * cosineSine * offDiagonal + cosine * cosine * diagonalBottom;
    betas[k] = cosineSine * (diagonalBottom - diagonalTop) + (cosine * cosine - sine * sine) * offDiagonal;

    // The rotation of columns k and k + 1 creates the bulge T[k+2][k].
    if (k + 1 < upper) {
      const below = betas[k + 1];
      z = sine * below;
      betas[k + 1] = cosine * below;
      x = betas[k];
    }

    rotate(k, cosine, sine);
  }
}

/**
 * Returns the eigenvalue of the trailing 2×2 block [[a, b], [b, c]] that is
 * closer to c, computed without cancellation.
 */
function wilkinsonShift(a: number, c: number, b: number): number {
  const halfDifference = (a - c) / 2;
  const sign = halfDifference >= 0 ? 1 : -1;
  return c - (b * b) / (halfDifference + sign * Math.hypot(halfDifference, b));
}

/** Applies the rotation to entries k and k + 1 of one row of V: V ← V·Gᵀ. */
function rotatePair(row: Float64Array, k: number, cosine: number, sine: number): void {
  const left = row[k];
  const right = row[k + 1];
  row[k] = cosine * left + sine * right;
  row[k + 1] = -sine * left + cosine * right;
}

/** Applies the rotation to columns k and k + 1 of V, stored as columns. */
function rotateColumns(columns: Float64Array[], k: number, cosine: number, sine: number): void {
  const left = columns[k];
  const right = columns[k + 1];
  for (let i = 0; i < left.length; i++) {
    const leftValue = left[i];
    const rightValue = right[i];
    left[i] = cosine * leftValue + sine * rightValue;
    right[i] = -sine * leftValue + cosine * rightValue;
  }
}

function identityColumns(order: number): Float64Array[] {
  const columns: Float64Array[] = [];
  for (let j = 0; j < order; j++) {
    const column = new Float64Array(order);
    column[j] = 1;
    columns.push(column);
  }
  return columns;
}

function sortAscending(
  values: Float64Array,
  firstRow: Float64Array,
  lastRow: Float64Array,
  columns: Float64Array[] | null,
): TridiagonalEigenResult {
  const order = Array.from(values.keys()).sort((i, j) => values[i] - values[j]);
  return {
    values: Float64Array.from(order, (i) => values[i]),
    firstComponents: Float64Array.from(order, (i) => firstRow[i]),
    lastComponents: Float64Array.from(order, (i) => lastRow[i]),
    vectors: columns ? order.map((i) => columns[i]) : null,
  };
}

function validateInput(diagonal: ArrayLike<number>, offDiagonal: ArrayLike<number>): void {
  if (diagonal.length < 1) {
    throw new RangeError('A tridiagonal matrix needs at least one diagonal entry.');
  }
  if (offDiagonal.length !== diagonal.length - 1) {
    throw new RangeError(
      `The off-diagonal has ${offDiagonal.length} entries, but a diagonal of ${diagonal.length} needs ${diagonal.length - 1}.`,
    );
  }
  for (const [name, entries] of [['diagonal', diagonal], ['off-diagonal', offDiagonal]] as const) {
    for (let i = 0; i < entries.length; i++) {
      if (!Number.isFinite(entries[i])) {
        throw new RangeError(`The ${name} entry at index ${i} is not finite (${entries[i]}).`);
      }
    }
  }
}

import { asymmetry, requireSquare, type DenseMatrix } from './denseMatrix';

/** Eigenvalues of a dense symmetric matrix in ascending order, with unit eigenvectors. */
export interface SymmetricEigenResult {
  /** Eigenvalues λ₁ ≤ … ≤ λₙ. */
  values: Float64Array;
  /** Orthonormal eigenvectors (each of length n) in the order of `values`; signs are arbitrary. */
  vectors: Float64Array[];
}

/** Sweeps after which the solver gives up; cyclic Jacobi converges quadratically, in under 15 for n ≤ 1000. */
const MAX_SWEEPS = 50;

/**
 * Computes all eigenvalues and eigenvectors of a dense symmetric n × n matrix
 * with the cyclic Jacobi method, in float64. Each sweep rotates every off-diagonal pair
 * (p, q) to zero, and the solver stops when the off-diagonal Frobenius norm is
 * below machine epsilon times the matrix's Frobenius norm, so each eigenvalue is
 * accurate to about ε·‖A‖_F. It costs about 3n³ flops a sweep and is meant for n
 * up to a few hundred: test oracles and Hessians of small models. It shares no
 * code with the tridiagonal QR solver, which makes it an independent check of it.
 *
 * @throws RangeError when the matrix is not square, has a non-finite entry or is
 *   not symmetric to within 1e-12 of its largest entry (use `symmetricPart`).
 * @throws Error when the off-diagonal part has not vanished after 50 sweeps.
 */
export function symmetricEigen(matrix: DenseMatrix): SymmetricEigenResult {
  requireSquare(matrix);
  validateSymmetric(matrix);

  const size = matrix.rows;
  const a = Float64Array.from(matrix.data);
  const v = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    v[i * size + i] = 1;
  }

  const frobenius = Math.sqrt(sumOfSquares(a));
  let sweeps = 0;
  while (Math.sqrt(offDiagonalSumOfSquares(a, size)) > Number.EPSILON * frobenius) {
    sweeps++;
    if (sweeps > MAX_SWEEPS) {
      throw new Error(`The Jacobi eigensolver did not converge in ${MAX_SWEEPS} sweeps (n = ${size}).`);
    }
    for (let p = 0; p < size - 1; p++) {
      for (let q = p + 1; q < size; q++) {
        rotateToZero(a, v, size, p, q);
      }
    }
  }

  return sortAscending(a, v, size);
}

/**
 * Applies the Jacobi rotation J(p, q, θ) that zeroes a[p][q]: A ← JᵀAJ and
 * V ← VJ. The tangent t is the smaller root of t² + 2τt − 1 = 0 with
 * τ = (a_qq − a_pp)/(2a_pq), which keeps the rotation angle at most π/4.
 */
function rotateToZero(a: Float64Array, v: Float64Array, size: number, p: number, q: number): void {
  const apq = a[p * size + q];
  if (apq === 0) {
    return;
  }

  const app = a[p * size + p];
  const aqq = a[q * size + q];
  const tau = (aqq - app) / (2 * apq);
  const tangent = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.hypot(1, tau));
  const cosine = 1 / Math.hypot(1, tangent);
  const sine = tangent * cosine;

  for (let k = 0; k < size; k++) {
    if (k === p || k === q) {
      continue;
    }
    const akp = a[k * size + p];
    const akq = a[k * size + q];
    const newKp = cosine * akp - sine * akq;
    const newKq = sine * akp + cosine * akq;
    a[k * size + p] = newKp;
    a[p * size + k] = newKp;
    a[k * size + q] = newKq;
    a[q * size + k] = newKq;
  }
  a[p * size + p] = app - tangent * apq;
  a[q * size + q] = aqq + tangent * apq;
  a[p * size + q] = 0;
  a[q * size + p] = 0;

  for (let k = 0; k < size; k++) {
    const vkp = v[k * size + p];
    const vkq = v[k * size + q];
    v[k * size + p] = cosine * vkp - sine * vkq;
    v[k * size + q] = sine * vkp + cosine * vkq;
  }
}

function sortAscending(a: Float64Array, v: Float64Array, size: number): SymmetricEigenResult {
  const order = Array.from({ length: size }, (_, i) => i).sort((i, j) => a[i * size + i] - a[j * size + j]);
  const values = Float64Array.from(order, (i) => a[i * size + i]);
  const vectors = order.map((column) => Float64Array.from({ length: size }, (_, row) => v[row * size + column]));
  return { values, vectors };
}

function sumOfSquares(values: Float64Array): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    total += values[i] * values[i];
  }
  return total;
}

function offDiagonalSumOfSquares(a: Float64Array, size: number): number {
  let total = 0;
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      if (i !== j) {
        total += a[i * size + j] * a[i * size + j];
      }
    }
  }
  return total;
}

function validateSymmetric(matrix: DenseMatrix): void {
  let largest = 0;
  for (let i = 0; i < matrix.data.length; i++) {
    const entry = matrix.data[i];
    if (!Number.isFinite(entry)) {
      throw new RangeError(`Matrix entry (${Math.floor(i / matrix.columns)}, ${i % matrix.columns}) is not finite (${entry}).`);
    }
    largest = Math.max(largest, Math.abs(entry));
  }

  const distance = asymmetry(matrix);
  if (distance > 1e-12 * largest) {
    throw new RangeError(
      `The matrix is not symmetric: entries differ from their transposes by up to ${distance}. ` +
        'Pass symmetricPart(matrix) to use its symmetric part.',
    );
  }
}

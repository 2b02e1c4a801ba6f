import { tridiagonalEigen } from './tridiagonal';
import { linearCombination, type NumericVector } from './vector';

/** An approximate eigenpair (θ, y) of A taken from a Krylov space. */
export interface RitzPair {
  /** Ritz value θ, in the operator's units. */
  value: number;
  /**
   * Residual bound β_m·|s_m|, where s_m is the last component of the
   * eigenvector of T. It equals ‖A·y − θ·y‖ when the basis is orthonormal, and
   * some eigenvalue of A lies within it of θ. It ignores rounding, so it can
   * fall far below the attainable residual: about 1e-15·‖A‖ with a float64
   * basis, 1e-8·‖A‖ with a float32 one.
   */
  residualBound: number;
  /** Unit Ritz vector y = Q·s of length n, when it was requested; otherwise null. */
  vector: Float64Array | null;
}

/** Every Ritz value of a Lanczos tridiagonal matrix, with the extreme pairs picked out. */
export interface RitzDecomposition {
  /** All Ritz values θ₁ ≤ … ≤ θ_m. */
  values: Float64Array;
  /** Residual bound of each value in `values`. */
  residualBounds: Float64Array;
  /**
   * Gauss quadrature weights s₁ᵢ², the squared first components of the
   * eigenvectors of T, in the order of `values`. They sum to 1.
   */
  quadratureWeights: Float64Array;
  /** The `topK` largest pairs, descending (fewer when T is smaller). */
  top: RitzPair[];
  /** The `bottomK` smallest pairs, ascending (fewer when T is smaller). */
  bottom: RitzPair[];
}

/**
 * Computes the Ritz values of the Lanczos matrix T_m (diagonal `alphas` of
 * length m, off-diagonal `betas` of length m − 1) and the residual bounds from
 * `finalBeta` = β_m. When `basis` (the m Lanczos vectors) is given, the
 * extreme pairs also get their Ritz vectors. The top and bottom lists share
 * pairs when m < topK + bottomK.
 */
export function computeRitzDecomposition(
  alphas: Float64Array,
  betas: Float64Array,
  finalBeta: number,
  topK: number,
  bottomK: number,
  basis: readonly NumericVector[] | null,
): RitzDecomposition {
  const eigen = tridiagonalEigen(alphas, betas, { vectors: basis !== null });
  const count = eigen.values.length;

  const residualBounds = eigen.lastComponents.map((component) => Math.abs(finalBeta * component));
  const quadratureWeights = eigen.firstComponents.map((component) => component * component);

  const pairAt = (index: number): RitzPair => ({
    value: eigen.values[index],
    residualBound: residualBounds[index],
    vector: basis && eigen.vectors ? linearCombination(eigen.vectors[index], basis) : null,
  });

  const top: RitzPair[] = [];
  for (let index = count - 1; index >= Math.max(0, count - topK); index--) {
    top.push(pairAt(index));
  }
  const bottom: RitzPair[] = [];
  for (let index = 0; index < Math.min(count, bottomK); index++) {
    bottom.push(pairAt(index));
  }

  return { values: eigen.values, residualBounds, quadratureWeights, top, bottom };
}

/**
 * True when every extreme pair of the decomposition has a residual bound of
 * at most `tolerance`·max|θ|.
 */
export function extremePairsConverged(decomposition: RitzDecomposition, tolerance: number): boolean {
  const values = decomposition.values;
  const scale = Math.max(Math.abs(values[0]), Math.abs(values[values.length - 1]));
  const threshold = tolerance * scale;
  return [...decomposition.top, ...decomposition.bottom].every((pair) => pair.residualBound <= threshold);
}

import { applyOperator, validateOperatorSize, type RunOptions, type SymmetricOperator } from './operator';
import { orthogonalizeAgainst } from './gramSchmidt';
import { createRandom, normalVector, type Random } from './random';
import { symmetricEigen } from './denseEigen';
import { matrixFromRows } from './denseMatrix';
import { requireInteger, requirePositive, requirePositiveOrInfinity } from './validate';
import { axpy, dot, norm, scaled } from './vector';

export interface PowerIterationOptions extends RunOptions {
  /** Number of eigenpairs to compute, one after another. Default 1. */
  topK?: number;
  /** Maximum operator applications per eigenpair. Default 100, as in PyHessian. */
  maxIterations?: number;
  /**
   * Maximum relative change of the Rayleigh quotient between two iterations,
   * |λ_i − λ_{i−1}| ≤ tolerance·|λ_{i−1}|. Default 1e-3, as in PyHessian.
   */
  tolerance?: number;
  /**
   * Maximum residual ‖A·v − λ·v‖ relative to the largest |λ| found, the same
   * test Lanczos uses. Default: `tolerance`. Infinity leaves only the
   * relative-change test, which is PyHessian's rule except that PyHessian
   * divides the change by |λ| + 1e-6.
   */
  residualTolerance?: number;
  /** Seed of the random starting vectors. Default 0. */
  seed?: number;
}

/** One eigenpair from power iteration. */
export interface PowerEigenpair {
  /** Rayleigh quotient λ = vᵀAv at the last iteration. */
  value: number;
  /** Unit vector v of length n, orthogonal to the pairs found before it. */
  vector: Float64Array;
  /** ‖A·v − λ·v‖ at the last iteration, in the operator's units. */
  residual: number;
  /** Operator applications spent on this pair. */
  iterations: number;
  /** True when both the relative-change and the residual test passed, or A·v was zero. */
  converged: boolean;
}

export interface PowerIterationResult {
  /** Eigenpairs in the order found, which is by decreasing |λ|. */
  pairs: PowerEigenpair[];
  /** Operator applications over all pairs. */
  operatorApplications: number;
  /** True when every pair converged. */
  converged: boolean;
}

/**
 * Computes the topK eigenpairs of largest magnitude by power iteration with
 * deflation, the way PyHessian does it: each pair starts from a random vector
 * and, before every application, is orthogonalized against the pairs already
 * found. It finds eigenvalues by |λ|, so on an indefinite operator a large
 * negative eigenvalue comes before a smaller positive one. It is the baseline
 * that Lanczos is compared with; it converges at the rate |λ_{k+1}/λ_k|, so
 * close eigenvalues make it slow.
 *
 * A pair has converged when the Rayleigh quotient changed by at most
 * tolerance·|λ| and the residual is at most residualTolerance·max|λ|. A change
 * below √n·ε·max|λ|, the rounding level of a dot product of length n, also
 * passes, so that eigenvalues of a null space converge. A pair that has not
 * converged after maxIterations is returned with `converged: false`. Tests
 * check it against dense Q·diag(λ)·Qᵀ matrices.
 *
 * @throws CancelledError when `signal` is aborted.
 */
export async function powerIteration(
  operator: SymmetricOperator,
  options: PowerIterationOptions = {},
): Promise<PowerIterationResult> {
  const size = validateOperatorSize(operator);
  const topK = Math.min(requireInteger('topK', options.topK ?? 1, 1), size);
  return runDeflated(operator, size, options, topK, false, () => false);
}

/**
 * Finds eigenpairs one after another by deflated power iteration until
 * `maxPairs` are found or `enough` returns true for the pairs so far.
 */
async function runDeflated(
  operator: SymmetricOperator,
  size: number,
  options: PowerIterationOptions,
  maxPairs: number,
  ownScale: boolean,
  enough: (pairs: readonly PowerEigenpair[]) => boolean,
): Promise<PowerIterationResult> {
  const settings: IterationSettings = {
    maxIterations: requireInteger('maxIterations', options.maxIterations ?? 100, 1),
    tolerance: requirePositive('tolerance', options.tolerance ?? 1e-3),
    residualTolerance: requirePositiveOrInfinity('residualTolerance', options.residualTolerance ?? options.tolerance ?? 1e-3),
    // Rounding error of a length-n dot product relative to max|λ|; smaller changes of λ are noise.
    roundingLevel: Math.sqrt(size) * Number.EPSILON,
    ownScale,
  };
  const random = createRandom(options.seed ?? 0, 'power-iteration');
  const plannedApplications = maxPairs * settings.maxIterations;

  const pairs: PowerEigenpair[] = [];
  let operatorApplications = 0;
  const apply = async (vector: Float64Array): Promise<Float64Array> => {
    const product = await applyOperator(operator, vector, options.signal);
    operatorApplications++;
    options.onStep?.(operatorApplications, plannedApplications);
    return product;
  };

  while (pairs.length < maxPairs && !enough(pairs)) {
    pairs.push(await iterateToPair(apply, size, random, pairs, settings));
  }

  return {
    pairs,
    operatorApplications,
    converged: pairs.every((pair) => pair.converged),
  };
}

interface IterationSettings {
  maxIterations: number;
  tolerance: number;
  residualTolerance: number;
  roundingLevel: number;
  /**
   * True: the residual test is relative to each pair's own |λ| (but at least
   * residualTolerance·max|λ|), on the product projected off the pairs found
   * before, whose own small errors would otherwise set a floor. False: it is
   * relative to the largest |λ| found, on the plain product.
   */
  ownScale: boolean;
}

/**
 * Runs power iteration from a random vector, deflated against the pairs found
 * so far, until the pair converges or maxIterations applications are spent.
 */
async function iterateToPair(
  apply: (vector: Float64Array) => Promise<Float64Array>,
  size: number,
  random: Random,
  found: readonly PowerEigenpair[],
  settings: IterationSettings,
): Promise<PowerEigenpair> {
  const foundVectors = found.map((pair) => pair.vector);
  const largestFound = found.reduce((largest, pair) => Math.max(largest, Math.abs(pair.value)), 0);
  let vector = normalVector(random, size);
  let previousValue: number | null = null;

  for (let iteration = 1; ; iteration++) {
    vector = deflatedUnitVector(vector, foundVectors, random);

    const product = await apply(vector);
    const value = dot(vector, product);
    const productNorm = norm(product);
    const compared = settings.ownScale ? orthogonalizeAgainst(Float64Array.from(product), foundVectors) : Float64Array.from(product);
    const residual = norm(axpy(-value, vector, compared));
    const scale = Math.max(largestFound, Math.abs(value));
    const residualScale = settings.ownScale ? Math.max(Math.abs(value), settings.residualTolerance * scale) : scale;

    const changeSmall =
      previousValue !== null &&
      Math.abs(value - previousValue) <= Math.max(settings.tolerance * Math.abs(previousValue), settings.roundingLevel * scale);
    const residualSmall = residual <= settings.residualTolerance * residualScale;
    // A zero product makes v an eigenvector with eigenvalue 0 and leaves no direction to follow.
    const converged = productNorm === 0 || (changeSmall && residualSmall);

    if (converged || iteration === settings.maxIterations) {
      return { value, vector, residual, iterations: iteration, converged };
    }
    previousValue = value;
    vector = product;
  }
}

/**
 * Returns the vector orthogonalized against the found vectors and normalized.
 * A vector that lies entirely in their span is replaced by a random one.
 */
function deflatedUnitVector(vector: Float64Array, foundVectors: readonly Float64Array[], random: Random): Float64Array {
  let candidate = orthogonalizeAgainst(Float64Array.from(vector), foundVectors);
  while (norm(candidate) === 0) {
    candidate = orthogonalizeAgainst(normalVector(random, vector.length), foundVectors);
  }
  return scaled(1 / norm(candidate), candidate);
}

/** Largest eigenvalues by value from power iteration with deflation. */
export interface LargestByPowerResult {
  /**
   * Up to k largest eigenpairs of A by value, descending: the non-negative
   * pairs found. Fewer than k when negative eigenvalues of larger magnitude
   * filled the run's 2k pairs first.
   */
  largest: PowerEigenpair[];
  /**
   * Up to k negative pairs found, ascending: eigenvalues below 0 whose
   * magnitude exceeds that of the smallest pair in `largest`, so the first
   * is λmin.
   */
  negative: PowerEigenpair[];
  operatorApplications: number;
  /** True when every pair found has a residual within the tolerance of its own eigenvalue. */
  converged: boolean;
}

/**
 * Finds the topK largest eigenvalues of A by value with power iteration.
 * Power iteration (as PyHessian runs it) finds eigenpairs in order of
 * magnitude, so on an indefinite A a large negative eigenvalue comes before a
 * smaller positive one. Here the deflated run continues past such negative
 * pairs until it has topK non-negative ones, or until it has found 2·topK
 * pairs in all. The non-negative pairs are then the largest by value, and the
 * negative ones are the most negative eigenvalues, in order.
 *
 * Each pair iterates until its residual, projected off the pairs found
 * before, is within the tolerance of its own |λ|, so a small eigenvalue found
 * after a large one is not left a mixture of its neighbours. The earlier
 * pairs' own errors still mix into it, so a Rayleigh–Ritz step over all the
 * vectors found (one more product each) separates them; a pair counts as
 * converged when its final residual is within the tolerance of its own |λ|.
 *
 * Shifting A by its dominant eigenvalue would also order the spectrum by
 * value, but it moves the ratios of consecutive eigenvalues towards 1. On a
 * Hessian with one large eigenvalue and a bulk near 0, the Rayleigh quotient
 * then changes so slowly that the relative-change test passes far from an
 * eigenvector.
 *
 * @throws CancelledError when `signal` is aborted.
 */
export async function largestEigenvaluesByPower(
  operator: SymmetricOperator,
  options: PowerIterationOptions = {},
): Promise<LargestByPowerResult> {
  const size = validateOperatorSize(operator);
  const topK = Math.min(requireInteger('topK', options.topK ?? 1, 1), size);
  const tolerance = options.residualTolerance ?? options.tolerance ?? 1e-3;

  // An eigenvalue within the tolerance of 0, relative to the dominant one, counts as non-negative; so does 0 itself.
  const isNonNegative = (pair: PowerEigenpair, pairs: readonly PowerEigenpair[]): boolean =>
    pair.value >= -tolerance * Math.abs(pairs[0].value);
  const run = await runDeflated(operator, size, options, Math.min(2 * topK, size), true, (pairs) =>
    pairs.filter((pair) => isNonNegative(pair, pairs)).length >= topK,
  );
  const refined = await refineByRayleighRitz(operator, run.pairs, tolerance, options.signal);

  const largest = refined.filter((pair) => isNonNegative(pair, refined)).sort((a, b) => b.value - a.value);
  const negative = refined.filter((pair) => !isNonNegative(pair, refined)).sort((a, b) => a.value - b.value);
  return {
    largest: largest.slice(0, topK),
    negative: negative.slice(0, topK),
    operatorApplications: run.operatorApplications + run.pairs.length,
    converged: refined.every((pair) => pair.converged),
  };
}

/**
 * Replaces orthonormal pairs by the Ritz pairs of A on their span, in order of
 * decreasing |λ|, with residuals computed from one product per vector. A pair
 * converges when ‖A·y − θ·y‖ ≤ tolerance·max(|θ|, tolerance·max|θ|): relative
 * to its own eigenvalue, and to tolerance² of the largest for eigenvalues at 0.
 */
async function refineByRayleighRitz(
  operator: SymmetricOperator,
  pairs: readonly PowerEigenpair[],
  tolerance: number,
  signal: AbortSignal | undefined,
): Promise<PowerEigenpair[]> {
  const vectors = pairs.map((pair) => pair.vector);
  const products: Float64Array[] = [];
  for (const vector of vectors) {
    products.push(await applyOperator(operator, vector, signal));
  }

  // T = Vᵀ·A·V, symmetrized against rounding.
  const count = vectors.length;
  const rows = Array.from({ length: count }, (_, i) =>
    Array.from({ length: count }, (_, j) => (dot(vectors[i], products[j]) + dot(vectors[j], products[i])) / 2),
  );
  const { values, vectors: rotations } = symmetricEigen(matrixFromRows(rows));
  const largest = Math.max(...Array.from(values, Math.abs));
  const byMagnitude = Array.from(values.keys()).sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]));

  return byMagnitude.map((index, rank) => {
    const value = values[index];
    const vector = combine(vectors, rotations[index]);
    const residual = norm(axpy(-value, vector, combine(products, rotations[index])));
    const converged = residual <= tolerance * Math.max(Math.abs(value), tolerance * largest);
    return { value, vector, residual, iterations: pairs[rank].iterations, converged };
  });
}

/** Σ_i weights[i]·vectors[i]. */
function combine(vectors: readonly Float64Array[], weights: ArrayLike<number>): Float64Array {
  const sum = new Float64Array(vectors[0].length);
  vectors.forEach((vector, i) => axpy(weights[i], vector, sum));
  return sum;
}

import { lanczos, type BasisPrecision, type LanczosResult } from './lanczos';
import { validateOperatorSize, type RunOptions, type SymmetricOperator } from './operator';
import { createRandom, rademacherVector } from './random';
import { tridiagonalEigen } from './tridiagonal';
import { smoothDensity, type SmoothedDensity } from './smoothing';
import { estimateMean } from './statistics';
import { requireInteger, requirePositive } from './validate';
import { scaleInPlace } from './vector';

export interface SpectralDensityOptions extends RunOptions {
  /** Number n_v of independent Lanczos runs from random unit vectors; at least 1. */
  runs: number;
  /** Lanczos steps m per run (capped at n); each is one operator application. */
  steps: number;
  /** Seed of the starting vectors. Default 0. */
  seed?: number;
  /** Gaussian kernel width σ in eigenvalue units. Default: see `smoothDensity`. */
  sigma?: number;
  /** Number of grid points. Default 1000. */
  gridPoints?: number;
  /**
   * Relative threshold of the negative mass: the weight of nodes below
   * −negativeTolerance·max|node|. Default 1e-3.
   */
  negativeTolerance?: number;
  /** Largest Ritz pairs to report from each run, for reuse as extreme eigenvalues. Default 1. */
  topK?: number;
  /** Smallest Ritz pairs to report from each run. Default 1. */
  bottomK?: number;
  /** Relative tolerance of the reported pairs' `converged` flag. Default 1e-3. */
  tolerance?: number;
  /** Compute the Ritz vectors of the first run's top and bottom pairs. Default false. */
  ritzVectors?: boolean;
  /** Keep the first run's Lanczos vectors in its result. Default false. */
  keepFirstBasis?: boolean;
  /** Storage of the Lanczos vectors; see `BasisPrecision`. Default `float64`. */
  basisPrecision?: BasisPrecision;
  /**
   * A Lanczos result to reuse as run 0 instead of running it, for example the
   * run that produced the extreme eigenvalues. Its starting vector must be
   * random with E[vvᵀ] = I/n, such as `densityStartVector(seed, 0, n)`, or the
   * density and trace are biased. Only its first `steps` steps enter the density.
   */
  firstRun?: LanczosResult;
}

/** Spectral density estimate of A from stochastic Lanczos quadrature. */
export interface SpectralDensity extends SmoothedDensity {
  /** Ritz values of all runs, ascending. */
  nodes: Float64Array;
  /** Quadrature weight of each node divided by the number of runs; they sum to 1. */
  weights: Float64Array;
  /** Sum of the weights of the nodes below −negativeTolerance·max|node|: the estimated share of negative eigenvalues. */
  negativeMass: number;
  /**
   * Trace estimate n·Σᵢ wᵢθᵢ averaged over runs. Gauss quadrature is exact for
   * x ↦ x, so each run's value is n·vᵀAv = zᵀAz for its Rademacher probe z, the
   * Hutchinson draw. The standard error is the runs' sample standard deviation
   * over √runs, null for a single run.
   */
  trace: { estimate: number; standardError: number | null };
  /** Every run's Lanczos result, for reuse: run 0 carries the requested Ritz vectors and basis. */
  runResults: LanczosResult[];
  /** Operator applications this call made, which excludes those of `firstRun`. */
  operatorApplications: number;
}

/**
 * Estimates the eigenvalue density of A by stochastic Lanczos quadrature (Ubaru,
 * Chen and Saad, "Fast Estimation of tr(f(A)) via Stochastic Lanczos
 * Quadrature", SIAM J. Matrix Anal. Appl. 2017; Ghorbani, Krishnan and Xiao, "An
 * Investigation into Neural Net Optimization via Hessian Eigenvalue Density",
 * ICML 2019). Each run starts Lanczos with full reorthogonalization from a
 * random unit vector v = z/√n with Rademacher z. The m eigenvalues θᵢ of T_m
 * are the quadrature nodes and the squared first components of its
 * eigenvectors are the weights: Σᵢ wᵢ f(θᵢ) approximates vᵀf(A)v, which
 * averages to tr f(A)/n. The runs' nodes, with their weights divided by the
 * number of runs, are smoothed with a Gaussian kernel onto a grid.
 *
 * A run that breaks down yields fewer than m nodes, which is exact quadrature on
 * its invariant subspace. All runs use exactly `steps` steps otherwise: the
 * density needs the full Krylov space, not only converged extreme values.
 *
 * Work sharing: each run reports its topK and bottomK Ritz pairs with residual
 * bounds, so the caller can take the extreme eigenvalues from run 0 instead of
 * running Lanczos again. Conversely, a caller that ran Lanczos for the extreme
 * eigenvalues from `densityStartVector(seed, 0, n)` passes it as `firstRun`.
 * `trace` reuses the runs as Hutchinson draws.
 *
 * Tests check the density's first two moments against tr(A)/n and ‖A‖_F²/n,
 * and the negative mass against the share of negative eigenvalues, on dense
 * matrices with known spectra.
 *
 * @throws CancelledError when `signal` is aborted.
 */
export async function spectralDensity(
  operator: SymmetricOperator,
  options: SpectralDensityOptions,
): Promise<SpectralDensity> {
  const size = validateOperatorSize(operator);
  const runs = requireInteger('runs', options.runs, 1);
  const steps = Math.min(requireInteger('steps', options.steps, 1), size);
  const negativeTolerance = requirePositive('negativeTolerance', options.negativeTolerance ?? 1e-3);
  const seed = options.seed ?? 0;
  const runResults: LanczosResult[] = options.firstRun ? [validateFirstRun(options.firstRun, size)] : [];
  const plannedApplications = (runs - runResults.length) * steps;

  let applications = 0;
  while (runResults.length < runs) {
    const run = runResults.length;
    const applicationsBefore = applications;
    const result = await lanczos(operator, {
      maxSteps: steps,
      stopWhenConverged: false,
      startVector: densityStartVector(seed, run, size),
      topK: options.topK ?? 1,
      bottomK: options.bottomK ?? 1,
      tolerance: options.tolerance,
      ritzVectors: run === 0 && options.ritzVectors,
      keepBasis: run === 0 && options.keepFirstBasis,
      basisPrecision: options.basisPrecision,
      signal: options.signal,
      onStep: (done) => options.onStep?.(applicationsBefore + done, plannedApplications),
    });
    runResults.push(result);
    applications += result.operatorApplications;
  }

  const { nodes, weights } = pooledQuadrature(runResults.map((result) => runQuadrature(result, steps)));
  const largestNode = Math.max(Math.abs(nodes[0]), Math.abs(nodes[nodes.length - 1]));
  let negativeMass = 0;
  for (let i = 0; i < nodes.length; i++) {
    if (nodes[i] < -negativeTolerance * largestNode) {
      negativeMass += weights[i];
    }
  }

  // Σᵢ wᵢθᵢ = e₁ᵀ·T·e₁ = α₁ = vᵀAv, so each run's trace draw is n·α₁.
  const trace = estimateMean(runResults.map((result) => size * result.alphas[0]));

  return {
    ...smoothDensity(nodes, weights, { sigma: options.sigma, gridPoints: options.gridPoints }),
    nodes,
    weights,
    negativeMass,
    trace: { estimate: trace.mean, standardError: trace.standardError },
    runResults,
    operatorApplications: applications,
  };
}

/**
 * Returns the starting vector of density run `run`: z/√n with Rademacher z from
 * its own random stream, so that a caller can run the first run itself and
 * pass it as `firstRun`, and the result matches a call without `firstRun`.
 */
export function densityStartVector(seed: number, run: number, size: number): Float64Array {
  const probe = rademacherVector(createRandom(seed, `slq-run-${run}`), size);
  return scaleInPlace(1 / Math.sqrt(size), probe);
}

/** Quadrature nodes θᵢ (ascending) and weights wᵢ of one run. */
interface Quadrature {
  nodes: Float64Array;
  weights: Float64Array;
}

/**
 * Returns a run's quadrature rule from its first `steps` Lanczos steps. The
 * leading m × m block of a longer run's T is the T of an m-step run from the
 * same vector, so a longer `firstRun` yields the same rule as the other runs.
 */
function runQuadrature(result: LanczosResult, steps: number): Quadrature {
  if (result.steps <= steps) {
    return { nodes: result.ritzValues, weights: result.quadratureWeights };
  }

  const eigen = tridiagonalEigen(result.alphas.subarray(0, steps), result.betas.subarray(0, steps - 1));
  return { nodes: eigen.values, weights: eigen.firstComponents.map((component) => component * component) };
}

/** Pools the runs' nodes in ascending order, each weight divided by the number of runs. */
function pooledQuadrature(runs: readonly Quadrature[]): Quadrature {
  const pairs: [number, number][] = [];
  for (const run of runs) {
    for (let i = 0; i < run.nodes.length; i++) {
      pairs.push([run.nodes[i], run.weights[i] / runs.length]);
    }
  }
  pairs.sort((a, b) => a[0] - b[0]);
  return {
    nodes: Float64Array.from(pairs, (pair) => pair[0]),
    weights: Float64Array.from(pairs, (pair) => pair[1]),
  };
}

function validateFirstRun(firstRun: LanczosResult, size: number): LanczosResult {
  if (firstRun.steps < 1 || firstRun.alphas.length !== firstRun.steps) {
    throw new RangeError(`firstRun must be a Lanczos result with at least one step, but it has ${firstRun.steps}.`);
  }
  if (firstRun.basis && firstRun.basis[0].length !== size) {
    throw new RangeError(`firstRun comes from an operator of size ${firstRun.basis[0].length}, not ${size}.`);
  }
  return firstRun;
}

import type { DensitySummary, EigenvalueSummary, TraceSummary } from '../report';
import type { LanczosResult } from './lanczos';
import type { LargestByPowerResult, PowerIterationResult } from './power';
import type { SpectralDensity } from './slq';
import type { TraceEstimate } from './trace';

/**
 * Converts a Lanczos result to the report's eigenvalue summary. `top` and
 * `bottom` hold distinct Ritz values, because a single Krylov space shows a
 * multiple eigenvalue once.
 */
export function lanczosEigenvalueSummary(result: LanczosResult): EigenvalueSummary {
  return {
    method: 'lanczos',
    top: result.top.map((pair) => pair.value),
    bottom: result.bottom.map((pair) => pair.value),
    topResiduals: result.top.map((pair) => pair.residualBound),
    bottomResiduals: result.bottom.map((pair) => pair.residualBound),
    iterations: result.steps,
    converged: result.converged,
    breakdown: result.breakdown,
  };
}

/**
 * Converts a power-iteration result to the report's eigenvalue summary.
 * Power iteration finds the eigenvalues of largest magnitude, whatever their
 * sign, so the positive ones go to `top` (descending) and the negative ones to
 * `bottom` (ascending). Either list may hold fewer than k values, or none: a
 * large negative eigenvalue is found before a smaller positive one.
 */
export function powerEigenvalueSummary(result: PowerIterationResult): EigenvalueSummary {
  const positive = result.pairs.filter((pair) => pair.value >= 0).sort((a, b) => b.value - a.value);
  const negative = result.pairs.filter((pair) => pair.value < 0).sort((a, b) => a.value - b.value);
  return {
    method: 'power',
    top: positive.map((pair) => pair.value),
    bottom: negative.map((pair) => pair.value),
    topResiduals: positive.map((pair) => pair.residual),
    bottomResiduals: negative.map((pair) => pair.residual),
    iterations: result.operatorApplications,
    converged: result.converged,
    breakdown: false,
  };
}

/**
 * Converts a power-iteration result to the report's eigenvalue summary: `top`
 * contains the k largest eigenvalues, and `bottom` the negative eigenvalues that
 * the run met on the way, most negative first (the first is then λmin).
 */
export function largestByPowerSummary(result: LargestByPowerResult): EigenvalueSummary {
  return {
    method: 'power',
    top: result.largest.map((pair) => pair.value),
    bottom: result.negative.map((pair) => pair.value),
    topResiduals: result.largest.map((pair) => pair.residual),
    bottomResiduals: result.negative.map((pair) => pair.residual),
    iterations: result.operatorApplications,
    converged: result.converged,
    breakdown: false,
  };
}

/** Converts a Hutchinson or Hutch++ estimate to the report's trace summary. */
export function traceSummary(estimate: TraceEstimate): TraceSummary {
  return {
    method: estimate.method,
    estimate: estimate.estimate,
    standardError: estimate.standardError,
    probes: estimate.operatorApplications,
  };
}

/**
 * Converts a stochastic Lanczos quadrature density to the report's density
 * summary; `steps` is the longest run, shorter than requested only on breakdown.
 */
export function densitySummary(density: SpectralDensity): DensitySummary {
  return {
    grid: Array.from(density.grid),
    values: Array.from(density.values),
    negativeMass: density.negativeMass,
    nodes: Array.from(density.nodes),
    weights: Array.from(density.weights),
    sigma: density.sigma,
    runs: density.runResults.length,
    steps: Math.max(...density.runResults.map((result) => result.steps)),
  };
}

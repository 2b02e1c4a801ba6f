import type { DensitySummary, EigenvalueSummary, TraceSummary } from '../report';
import type { LanczosResult } from './lanczos';
import type { PowerIterationResult } from './power';
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
 * Converts a power-iteration result to the report's eigenvalue summary. `top`
 * lists the pairs by value, descending. `bottom` is empty, because power
 * iteration finds eigenvalues by magnitude and has no separate bottom end.
 */
export function powerEigenvalueSummary(result: PowerIterationResult): EigenvalueSummary {
  const sorted = [...result.pairs].sort((a, b) => b.value - a.value);
  return {
    method: 'power',
    top: sorted.map((pair) => pair.value),
    bottom: [],
    topResiduals: sorted.map((pair) => pair.residual),
    bottomResiduals: [],
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

import type { IndexBlock } from '../linalg/blocks';
import { krylovTrace } from '../linalg/krylovTrace';
import { lanczos, type BasisPrecision, type LanczosResult } from '../linalg/lanczos';
import type { RunOptions, SymmetricOperator } from '../linalg/operator';
import { largestEigenvaluesByPower } from '../linalg/power';
import { densitySummary, lanczosEigenvalueSummary, largestByPowerSummary, traceSummary } from '../linalg/reportSummaries';
import { densityStartVector, spectralDensity, type SpectralDensity } from '../linalg/slq';
import type { MeanEstimate } from '../linalg/statistics';
import { hutchinsonTrace, hutchPlusPlusTrace } from '../linalg/trace';
import type { AnalysisSettings, DensitySummary, EigenvalueSummary, TraceSummary } from '../report';

/**
 * The whole-model estimates of an analysis, arranged so that no Krylov space
 * is computed twice. The Lanczos run for the extreme eigenvalues starts from
 * the first density run's vector and becomes that run. The trace takes that
 * run's Krylov space as its exact low-rank part.
 */

/** Relative threshold under which eigenvalue weight counts as negative curvature. */
export const NEGATIVE_TOLERANCE = 1e-3;

/** Above this many bytes, Lanczos keeps its basis vectors in float32 to halve the memory. */
export const FLOAT64_BASIS_LIMIT_BYTES = 1024 ** 3;

/** Chooses the basis precision: the requested one, or for `auto` float32 when m Lanczos vectors of n float64 values would pass FLOAT64_BASIS_LIMIT_BYTES. */
export function chooseBasisPrecision(size: number, settings: AnalysisSettings): BasisPrecision {
  if (settings.basisPrecision !== 'auto') {
    return settings.basisPrecision;
  }
  return 8 * size * Math.max(settings.lanczosSteps, settings.densitySteps) > FLOAT64_BASIS_LIMIT_BYTES ? 'float32' : 'float64';
}

export interface ExtremeEigenvalues {
  summary: EigenvalueSummary;
  /** The Lanczos run, kept with its basis, that becomes the first density run; null for power iteration. */
  firstDensityRun: LanczosResult | null;
  /** Unit eigenvector of λmax, for the loss slice; null when none was found. */
  topVector: Float64Array | null;
}

/**
 * Computes the top-k and bottom-k eigenvalues by Lanczos, with
 * max(lanczosSteps, densitySteps) steps so the run can serve as the first
 * density run. Power iteration, the PyHessian baseline, gives the top-k by
 * value. Its bottom list contains the negative eigenvalues of larger
 * magnitude than the k-th, which it meets on the way, and may be empty.
 */
export async function computeExtremeEigenvalues(
  operator: SymmetricOperator,
  settings: AnalysisSettings,
  basisPrecision: BasisPrecision,
  options: RunOptions,
): Promise<ExtremeEigenvalues> {
  if (settings.eigenMethod === 'power') {
    const result = await largestEigenvaluesByPower(operator, {
      topK: settings.topK,
      maxIterations: settings.lanczosSteps,
      tolerance: settings.tolerance,
      seed: settings.seed,
      ...options,
    });
    return { summary: largestByPowerSummary(result), firstDensityRun: null, topVector: result.largest[0]?.vector ?? null };
  }

  const run = await lanczos(operator, {
    maxSteps: Math.max(settings.lanczosSteps, settings.densitySteps),
    topK: settings.topK,
    bottomK: settings.topK,
    tolerance: settings.tolerance,
    stopWhenConverged: false,
    startVector: densityStartVector(settings.seed, 0, operator.size),
    ritzVectors: true,
    keepBasis: true,
    basisPrecision,
    ...options,
  });
  return { summary: lanczosEigenvalueSummary(run), firstDensityRun: run, topVector: run.top[0]?.vector ?? null };
}

/** Number of products the density phase will cost. */
export function densityProducts(settings: AnalysisSettings, firstRun: LanczosResult | null): number {
  return (firstRun === null ? settings.densityRuns : settings.densityRuns - 1) * settings.densitySteps;
}

/** Density by stochastic Lanczos quadrature; its first run is `firstRun` when given, else kept with its basis. */
export async function computeDensity(
  operator: SymmetricOperator,
  settings: AnalysisSettings,
  firstRun: LanczosResult | null,
  basisPrecision: BasisPrecision,
  options: RunOptions,
): Promise<{ summary: DensitySummary; density: SpectralDensity }> {
  const density = await spectralDensity(operator, {
    runs: settings.densityRuns,
    steps: settings.densitySteps,
    seed: settings.seed,
    negativeTolerance: NEGATIVE_TOLERANCE,
    basisPrecision,
    firstRun: firstRun ?? undefined,
    keepFirstBasis: firstRun === null,
    ...options,
  });
  return { summary: densitySummary(density), density };
}

/**
 * The trace by the chosen method, with the per-layer block traces from the
 * same probes. `krylovRun` is the first density run with its basis.
 */
export async function computeTrace(
  operator: SymmetricOperator,
  settings: AnalysisSettings,
  krylovRun: LanczosResult,
  blocks: IndexBlock[],
  options: RunOptions,
): Promise<{ summary: TraceSummary; blockTraces: MeanEstimate[] }> {
  const common = { seed: settings.seed, blocks, ...options };
  const estimate =
    settings.traceMethod === 'krylov-hutch++'
      ? await krylovTrace(operator, krylovRun, { probes: settings.traceProbes, ...common })
      : settings.traceMethod === 'hutch++'
        ? await hutchPlusPlusTrace(operator, { budget: settings.traceProbes, ...common })
        : await hutchinsonTrace(operator, { probes: settings.traceProbes, ...common });
  return { summary: traceSummary(estimate), blockTraces: estimate.blockTraces };
}

import { applyOperator, validateOperatorSize, type RunOptions, type SymmetricOperator } from './operator';
import { extendOrthonormalBasis, orthogonalizeAgainst } from './gramSchmidt';
import { createRandom, rademacherVector } from './random';
import { blockQuadratics, blockTraceEstimates, type IndexBlock } from './blocks';
import { estimateMean, type MeanEstimate } from './statistics';
import { requireInteger } from './validate';
import { dot } from './vector';

/** A stochastic estimate of tr(A). */
export interface TraceEstimate {
  /** `krylov-hutch++`: Hutch++ with a Lanczos run's Krylov space as the low-rank part (krylovTrace.ts). */
  method: 'hutchinson' | 'hutch++' | 'krylov-hutch++';
  /** Estimate of tr(A), in the operator's units. */
  estimate: number;
  /**
   * Standard error of `estimate`: the sample standard deviation of the
   * stochastic part's draws over √(number of draws). See each function for
   * what the stochastic part is.
   */
  standardError: number;
  /** Operator applications used. */
  operatorApplications: number;
  /** Draws zᵀAz of the stochastic part, one per probe. */
  draws: Float64Array;
  /** Hutch++ only: tr(QᵀAQ), the exact trace on the sketched subspace; 0 for Hutchinson. */
  sketchTrace: number;
  /** Hutch++ only: columns of Q, the rank of the sketch A·S; 0 for Hutchinson. */
  sketchRank: number;
  /** Trace estimates of the diagonal blocks A_bb, in the order of the `blocks` option; empty without it. */
  blockTraces: MeanEstimate[];
}

export interface HutchinsonOptions extends RunOptions {
  /** Number of Rademacher probes, one operator application each; at least 2. */
  probes: number;
  /** Seed of the probes. Default 0. */
  seed?: number;
  /** Blocks whose traces are estimated from the same probes. */
  blocks?: IndexBlock[];
}

export interface HutchPlusPlusOptions extends RunOptions {
  /** Operator applications to spend; at least 4. */
  budget: number;
  /** Seed of the sketch and the probes. Default 0. */
  seed?: number;
  /**
   * Blocks whose traces are estimated from the Rademacher sketch columns S,
   * which are plain Hutchinson probes: ⌊budget/3⌋ draws per block.
   */
  blocks?: IndexBlock[];
}

/**
 * Estimates tr(A) with Hutchinson's estimator: the mean of zᵀAz over
 * independent Rademacher probes z (entries ±1). It is unbiased, with variance
 * 2(‖A‖_F² − Σᵢ aᵢᵢ²) per probe, and exact for a diagonal A. The standard error
 * is the probes' sample standard deviation over √probes. The test checks that
 * the interval estimate ± 1.96·standardError covers the true trace in about 95%
 * of seeds.
 *
 * @throws CancelledError when `signal` is aborted.
 */
export async function hutchinsonTrace(operator: SymmetricOperator, options: HutchinsonOptions): Promise<TraceEstimate> {
  const size = validateOperatorSize(operator);
  const probes = requireInteger('probes', options.probes, 2);
  const random = createRandom(options.seed ?? 0, 'hutchinson');

  const blocks = options.blocks ?? [];
  const draws = new Float64Array(probes);
  const blockDraws: number[][] = [];
  for (let i = 0; i < probes; i++) {
    const probe = rademacherVector(random, size);
    const product = await applyOperator(operator, probe, options.signal);
    draws[i] = dot(probe, product);
    blockDraws.push(blockQuadratics(blocks, probe, product));
    options.onStep?.(i + 1, probes);
  }

  const { mean, standardError } = estimateMean(draws);
  return {
    method: 'hutchinson',
    estimate: mean,
    standardError: standardError ?? 0,
    operatorApplications: probes,
    draws,
    sketchTrace: 0,
    sketchRank: 0,
    blockTraces: blockTraceEstimates(blockDraws, blocks.map(() => 0)),
  };
}

/**
 * Estimates tr(A) with Hutch++ (Meyer, Musco, Musco and Woodruff, "Hutch++:
 * Optimal Stochastic Trace Estimation", SOSA 2021, Algorithm 1) within a
 * budget of operator applications:
 *
 * 1. Sketch Y = A·S with s = ⌊budget/3⌋ Rademacher columns.
 * 2. Q = orthonormal basis of Y (thin QR; dependent columns are dropped, so Q
 *    has r ≤ s columns), and tr(QᵀAQ) from r more applications.
 * 3. Hutchinson on the deflated operator (I − QQᵀ)A(I − QQᵀ) with the
 *    budget − s − r applications left, at least 2.
 *
 * The estimate is tr(QᵀAQ) plus the mean of step 3. The standard error is that
 * of step 3 alone, the sample standard deviation of its draws over √draws:
 * given Q, the first term is exact, so this is the standard error conditional
 * on the sketch. Hutch++ is unbiased for any Q, and exact, with a standard
 * error of 0, when rank(A) ≤ r; the test checks that on low-rank matrices.
 *
 * When n ≤ budget it takes Q = I instead and returns the exact trace
 * Σᵢ eᵢᵀAeᵢ from n applications, with a standard error of 0.
 *
 * Memory: Q has at most ⌊budget/3⌋ float64 vectors of length n, 8·n·⌊budget/3⌋
 * bytes, plus two work vectors.
 *
 * @throws CancelledError when `signal` is aborted.
 */
export async function hutchPlusPlusTrace(operator: SymmetricOperator, options: HutchPlusPlusOptions): Promise<TraceEstimate> {
  const size = validateOperatorSize(operator);
  const budget = requireInteger('budget', options.budget, 4);
  const random = createRandom(options.seed ?? 0, 'hutch++');
  let applications = 0;
  const apply = async (vector: Float64Array): Promise<Float64Array> => {
    const product = await applyOperator(operator, vector, options.signal);
    applications++;
    options.onStep?.(applications, budget);
    return product;
  };

  const blocks = options.blocks ?? [];
  if (size <= budget) {
    return exactTrace(apply, size, blocks);
  }

  // Each column of A·S joins the basis as soon as it is computed, so the sketch
  // is never stored beside Q.
  const sketchColumns = Math.floor(budget / 3);
  const basis: Float64Array[] = [];
  const blockDraws: number[][] = [];
  for (let j = 0; j < sketchColumns; j++) {
    const column = rademacherVector(random, size);
    const product = await apply(column);
    blockDraws.push(blockQuadratics(blocks, column, product));
    extendOrthonormalBasis(basis, product);
  }

  let sketchTrace = 0;
  for (const column of basis) {
    sketchTrace += dot(column, await apply(column));
  }

  const probes = budget - applications;
  const draws = new Float64Array(probes);
  for (let i = 0; i < probes; i++) {
    const projected = orthogonalizeAgainst(rademacherVector(random, size), basis);
    draws[i] = dot(projected, await apply(projected));
  }
  const blockTraces = blockDraws.length > 0 ? blockTraceEstimates(blockDraws, blocks.map(() => 0)) : [];
  return traceResult(sketchTrace, draws, applications, basis.length, blockTraces);
}

/** Computes tr(A) = Σᵢ eᵢᵀAeᵢ with n applications: Hutch++ with Q = I, which leaves nothing to estimate. */
async function exactTrace(
  apply: (vector: Float64Array) => Promise<Float64Array>,
  size: number,
  blocks: readonly IndexBlock[],
): Promise<TraceEstimate> {
  const diagonal = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const unit = new Float64Array(size);
    unit[i] = 1;
    diagonal[i] = (await apply(unit))[i];
  }
  const sumOver = (start: number, end: number): number => diagonal.subarray(start, end).reduce((sum, value) => sum + value, 0);
  const blockTraces = blocks.map((block) => ({ mean: sumOver(block.offset, block.offset + block.size), standardError: 0 }));
  return traceResult(sumOver(0, size), new Float64Array(0), size, size, blockTraces);
}

function traceResult(
  sketchTrace: number,
  draws: Float64Array,
  applications: number,
  sketchRank: number,
  blockTraces: MeanEstimate[],
): TraceEstimate {
  const residual = draws.length > 0 ? estimateMean(draws) : { mean: 0, standardError: 0 };
  return {
    method: 'hutch++',
    estimate: sketchTrace + residual.mean,
    standardError: residual.standardError ?? 0,
    operatorApplications: applications,
    draws,
    sketchTrace,
    sketchRank,
    blockTraces,
  };
}

import type { LanczosResult } from './lanczos';
import { applyOperator, validateOperatorSize, type RunOptions, type SymmetricOperator } from './operator';
import { createRandom, rademacherVector } from './random';
import { blockQuadratics, blockTraceEstimates, type IndexBlock } from './blocks';
import { estimateMean } from './statistics';
import type { TraceEstimate } from './trace';
import { requireInteger } from './validate';
import { dot, type NumericVector } from './vector';

export interface KrylovTraceOptions extends RunOptions {
  /** Rademacher probes of the residual part, one operator application each; at least 2. */
  probes: number;
  seed?: number;
  /** Blocks whose traces tr(A_bb) are estimated from the same probes. */
  blocks?: IndexBlock[];
}

/**
 * Estimates tr(A) in the manner of Hutch++, with the Krylov space of a
 * finished Lanczos run as the low-rank part instead of a random sketch, in
 * the spirit of Chen and Hallman, "Krylov-aware stochastic trace estimation"
 * (SIAM J. Matrix Anal. Appl. 2023, arXiv:2205.01736). The run's products are
 * reused, so only the probes of the residual cost products. With V the run's orthonormal Lanczos vectors and T its
 * tridiagonal matrix, A = V·T·Vᵀ + R, where tr(V·T·Vᵀ) = tr(T) costs nothing and
 * R = A − V·T·Vᵀ is estimated by Hutchinson: zᵀ(A·z − V·T·Vᵀ·z) for Rademacher
 * z. Because A·V = V·T + β_m·v_{m+1}·e_mᵀ, R is (I − VVᵀ)A(I − VVᵀ) plus a rank-2
 * term of size β_m, so a Krylov space that contains the extreme eigenvectors leaves
 * a residual with a small Frobenius norm and a small variance. The Lanczos run
 * must not depend on the probes, which holds for runs from their own random
 * start; then the estimate is unbiased. The standard error is that of the
 * Hutchinson part, conditional on the Krylov space, as for Hutch++.
 *
 * Block traces use the same decomposition: tr(P_b·V·T·Vᵀ·P_b) from the
 * tridiagonal T and the block rows of V, plus the mean of z_bᵀ(R·z)_b.
 *
 * The test checks exactness when the Krylov space is invariant, the coverage
 * of ±1.96 standard errors, and block traces against dense matrices.
 *
 * @throws RangeError when the run kept no basis (pass `keepBasis: true` to lanczos).
 * @throws CancelledError when `signal` is aborted.
 */
export async function krylovTrace(
  operator: SymmetricOperator,
  run: LanczosResult,
  options: KrylovTraceOptions,
): Promise<TraceEstimate> {
  const size = validateOperatorSize(operator);
  const probes = requireInteger('probes', options.probes, 2);
  const basis = run.basis;
  if (basis === null || basis.length !== run.steps) {
    throw new RangeError('krylovTrace needs the Lanczos vectors of the run; run lanczos with keepBasis: true.');
  }
  const blocks = options.blocks ?? [];
  const random = createRandom(options.seed ?? 0, 'krylov-trace');

  const sketchTrace = run.alphas.reduce((sum, alpha) => sum + alpha, 0);
  const blockSketchTraces = blocks.map((block) => blockTraceOfTridiagonal(run, basis, block));

  const draws = new Float64Array(probes);
  const blockDraws: number[][] = [];
  for (let probe = 0; probe < probes; probe++) {
    const z = rademacherVector(random, size);
    const residual = await applyOperator(operator, z, options.signal);
    subtractProjectedProduct(residual, run, basis, z);

    draws[probe] = dot(z, residual);
    blockDraws.push(blockQuadratics(blocks, z, residual));
    options.onStep?.(probe + 1, probes);
  }

  const residualPart = estimateMean(draws);
  return {
    method: 'krylov-hutch++',
    estimate: sketchTrace + residualPart.mean,
    standardError: residualPart.standardError ?? 0,
    operatorApplications: probes,
    draws,
    sketchTrace,
    sketchRank: basis.length,
    blockTraces: blockTraceEstimates(blockDraws, blockSketchTraces),
  };
}

/** residual −= V·T·Vᵀ·z, with T tridiagonal (diagonal alphas, off-diagonal betas). */
function subtractProjectedProduct(residual: Float64Array, run: LanczosResult, basis: readonly NumericVector[], z: Float64Array): void {
  const m = basis.length;
  const coefficients = basis.map((vector) => dot(vector, z));
  for (let i = 0; i < m; i++) {
    let weight = run.alphas[i] * coefficients[i];
    if (i > 0) {
      weight += run.betas[i - 1] * coefficients[i - 1];
    }
    if (i < m - 1) {
      weight += run.betas[i] * coefficients[i + 1];
    }
    const vector = basis[i];
    for (let k = 0; k < residual.length; k++) {
      residual[k] -= weight * vector[k];
    }
  }
}

/** tr(P_b·V·T·Vᵀ·P_b) = Σᵢ αᵢ‖V_b,i‖² + 2Σᵢ βᵢ⟨V_b,i, V_b,i+1⟩ over the block's rows of V. */
function blockTraceOfTridiagonal(run: LanczosResult, basis: readonly NumericVector[], block: IndexBlock): number {
  const end = block.offset + block.size;
  let trace = 0;
  for (let i = 0; i < basis.length; i++) {
    const vector = basis[i];
    let squaredNorm = 0;
    for (let k = block.offset; k < end; k++) {
      squaredNorm += vector[k] * vector[k];
    }
    trace += run.alphas[i] * squaredNorm;

    if (i < basis.length - 1) {
      const next = basis[i + 1];
      let inner = 0;
      for (let k = block.offset; k < end; k++) {
        inner += vector[k] * next[k];
      }
      trace += 2 * run.betas[i] * inner;
    }
  }
  return trace;
}

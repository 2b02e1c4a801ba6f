import type { HessianProducts } from '../hvp/hessianProducts';
import type { ParameterBlock } from '../hvp/parameters';
import { lanczos } from '../linalg/lanczos';
import type { RunOptions } from '../linalg/operator';
import { createRandom, rademacherVector } from '../linalg/random';
import { estimateMean } from '../linalg/statistics';
import type { LayerCurvature } from '../report';
import { blockOperator, type RecordedProduct } from './operators';

/**
 * Curvature of each layer's diagonal block H_bb of the Hessian: its extreme
 * eigenvalues by Lanczos on the block, its negative mass from that run's
 * quadrature, and its trace from the random probes of the whole-model trace
 * estimate, restricted to the block.
 */

export interface LayerCurvatureOptions extends RunOptions {
  /** Maximum Lanczos steps per layer; each costs one full Hessian-vector product. */
  steps: number;
  /** Relative tolerance of the block's extreme eigenvalues. */
  tolerance: number;
  /** Relative threshold of the negative mass, as for the whole model. */
  negativeTolerance: number;
  seed: number;
}

/**
 * Computes the curvature of every block. `probes` are products H z recorded
 * during the trace phase; those whose vector is a scaled Rademacher vector give
 * unbiased block traces, because E[z_b z_cᵀ] = 0 for b ≠ c, so
 * E[z_bᵀ (H z)_b] = tr(H_bb).
 */
export async function computeLayerCurvature(
  products: HessianProducts,
  blocks: ParameterBlock[],
  probes: RecordedProduct[],
  options: LayerCurvatureOptions,
): Promise<LayerCurvature[]> {
  const rademacherProbes = probes.filter((probe) => rademacherScale(probe.vector) !== null);
  const random = createRandom(options.seed, 'layers');
  const plannedSteps = blocks.reduce((total, block) => total + Math.min(options.steps, block.size), 0);
  let stepsBefore = 0;
  const layers: LayerCurvature[] = [];

  for (const block of blocks) {
    const steps = Math.min(options.steps, block.size);
    const start = rademacherVector(random, block.size);
    const result = await lanczos(blockOperator(products, block), {
      maxSteps: steps,
      topK: 1,
      bottomK: 1,
      tolerance: options.tolerance,
      stopWhenConverged: true,
      startVector: start,
      signal: options.signal,
      onStep: (done) => options.onStep?.(stepsBefore + done, plannedSteps),
    });
    stepsBefore += steps;

    const largest = Math.max(Math.abs(result.ritzValues[0]), Math.abs(result.ritzValues[result.ritzValues.length - 1]));
    let negativeMass = 0;
    result.ritzValues.forEach((value, i) => {
      if (value < -options.negativeTolerance * largest) {
        negativeMass += result.quadratureWeights[i];
      }
    });

    const trace = blockTrace(rademacherProbes, block);
    layers.push({
      name: block.layerName,
      className: block.className,
      numParameters: block.size,
      lambdaMax: result.top[0]?.value ?? null,
      lambdaMin: result.bottom[0]?.value ?? null,
      trace: trace?.mean ?? null,
      traceStandardError: trace?.standardError ?? null,
      negativeMass,
    });
  }
  return layers;
}

/** Hutchinson estimate of tr(H_bb) from probes z with their products H z. */
function blockTrace(probes: RecordedProduct[], block: ParameterBlock): { mean: number; standardError: number | null } | null {
  if (probes.length === 0) {
    return null;
  }
  const draws = probes.map((probe) => {
    const scale = rademacherScale(probe.vector) as number;
    let quadratic = 0;
    for (let i = block.offset; i < block.offset + block.size; i++) {
      quadratic += probe.vector[i] * probe.product[i];
    }
    return quadratic / (scale * scale);
  });
  const estimate = estimateMean(draws);
  return { mean: estimate.mean, standardError: estimate.standardError };
}

/**
 * Returns c when every entry of the vector is ±c (a Rademacher vector scaled
 * by c, as Hutchinson and Hutch++ sketch probes and SLQ starting vectors are),
 * else null.
 */
export function rademacherScale(vector: Float64Array): number | null {
  const scale = Math.abs(vector[0]);
  if (scale === 0) {
    return null;
  }
  for (let i = 1; i < vector.length; i++) {
    if (Math.abs(Math.abs(vector[i]) - scale) > 1e-12 * scale) {
      return null;
    }
  }
  return scale;
}

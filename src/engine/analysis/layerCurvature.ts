import type { HessianProducts } from '../hvp/hessianProducts';
import type { ParameterBlock } from '../hvp/parameters';
import { lanczos } from '../linalg/lanczos';
import type { RunOptions } from '../linalg/operator';
import { createRandom, rademacherVector } from '../linalg/random';
import type { MeanEstimate } from '../linalg/statistics';
import type { LayerCurvature } from '../report';
import { blockOperator } from './operators';

/**
 * Curvature of each layer's diagonal block H_bb of the Hessian: its extreme
 * eigenvalues by Lanczos on the block, and its negative mass from that run's
 * quadrature (one run from a random start, so an estimate). Its trace comes
 * from the whole-model trace estimate, restricted to the block.
 */

export interface LayerCurvatureOptions extends RunOptions {
  /** Lanczos steps per layer (fewer for a smaller block); each costs one product with the block (see blockOperator). */
  steps: number;
  /** Relative tolerance that marks the block's extreme eigenvalues as converged. */
  tolerance: number;
  /** Relative threshold of the negative mass, as for the whole model. */
  negativeTolerance: number;
  seed: number;
}

/**
 * Computes the curvature of every block. `blockTraces` come from the trace
 * phase's probes, in block order (see computeTrace).
 */
export async function computeLayerCurvature(
  products: HessianProducts,
  blocks: ParameterBlock[],
  blockTraces: MeanEstimate[],
  options: LayerCurvatureOptions,
): Promise<LayerCurvature[]> {
  const random = createRandom(options.seed, 'layers');
  const plannedSteps = blocks.reduce((total, block) => total + Math.min(options.steps, block.size), 0);
  let stepsBefore = 0;
  const layers: LayerCurvature[] = [];

  for (const [index, block] of blocks.entries()) {
    const steps = Math.min(options.steps, block.size);
    const result = await lanczos(blockOperator(products, block, index), {
      maxSteps: steps,
      topK: 1,
      bottomK: 1,
      tolerance: options.tolerance,
      // The run must not stop once λmax has converged: the residual test is
      // relative to max|θ|, so a small negative λmin would count as converged
      // long before it is found (abalone's first layer: −0.029 beside 2.88).
      stopWhenConverged: false,
      startVector: rademacherVector(random, block.size),
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

    const trace = blockTraces[index];
    layers.push({
      name: block.layerName,
      className: block.className,
      numParameters: block.size,
      lambdaMax: result.top[0]?.value ?? null,
      lambdaMin: result.bottom[0]?.value ?? null,
      lambdaMaxResidual: result.top[0]?.residualBound ?? null,
      lambdaMinResidual: result.bottom[0]?.residualBound ?? null,
      trace: trace?.mean ?? null,
      traceStandardError: trace?.standardError ?? null,
      negativeMass,
    });
  }
  return layers;
}

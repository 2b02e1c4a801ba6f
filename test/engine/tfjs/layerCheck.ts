import * as tf from '@tensorflow/tfjs';

import { disposeProblem } from '../../../src/engine/hvp/lossProblem';
import { compareWithFiniteDifference } from './finiteDifference';
import { buildProblem, type LayerCase } from './layerCases';

/**
 * The verdict on one layer case: its exact Hessian-vector products and its
 * gradient against the finite-difference reference.
 *
 * Tolerances: with the fixes, the largest errors measured over all cases on
 * cpu and wasm were 1.0e-4 for the product and 1.6e-3 for the gradient
 * (binary cross-entropy on wasm). Both are float32 rounding amplified by the
 * step, and they track the consistency of the differences. The errors that
 * the fixes remove are 2.3e-2 and larger: Dense swish without the tape-order
 * fix has the smallest product error, and max pooling on the stock wasm
 * kernels the smallest gradient error (6.4e-2). 1e-3 and 5e-3 lie between.
 */
export const HVP_TOLERANCE = 1e-3;
export const GRADIENT_TOLERANCE = 5e-3;

/** Seed of the weights and data of every case. */
export const CASE_SEED = 7;

export interface CaseVerdict {
  name: string;
  passed: boolean;
  /** ‖H v − finite difference‖ / ‖finite difference‖, worst probe; NaN when it threw or no probe was usable. */
  hvpError: number;
  /** Relative error of ⟨∇L, v⟩, worst probe; NaN when it threw or no probe was usable. */
  gradientError: number;
  /** Probes used by each check. */
  hvpProbes: number;
  gradientProbes: number;
  /** Message of the error thrown, if any. */
  error?: string;
}

/** Builds the case's problem, compares, frees the problem and the model. */
export async function checkLayerCase(layerCase: LayerCase, seed = CASE_SEED): Promise<CaseVerdict> {
  const problem = buildProblem(layerCase, seed);
  try {
    const result = await compareWithFiniteDifference(problem);
    const passed =
      result.hvpProbes >= 3 &&
      result.gradientProbes >= 3 &&
      result.hvpError <= HVP_TOLERANCE &&
      result.gradientError <= GRADIENT_TOLERANCE;
    return {
      name: layerCase.name,
      passed,
      hvpError: result.hvpError,
      gradientError: result.gradientError,
      hvpProbes: result.hvpProbes,
      gradientProbes: result.gradientProbes,
    };
  } catch (error) {
    return {
      name: layerCase.name,
      passed: false,
      hvpError: Number.NaN,
      gradientError: Number.NaN,
      hvpProbes: 0,
      gradientProbes: 0,
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    disposeProblem(problem);
    problem.model.dispose();
  }
}

/** Describes a verdict in one line, for a failure message or a log. */
export function describeVerdict(verdict: CaseVerdict): string {
  if (verdict.error !== undefined) {
    return `${verdict.name}: threw "${verdict.error}"`;
  }
  return (
    `${verdict.name}: HVP error ${verdict.hvpError.toExponential(2)} (${verdict.hvpProbes} probes), ` +
    `gradient error ${verdict.gradientError.toExponential(2)} (${verdict.gradientProbes} probes)`
  );
}

/** Tensors alive now, for leak checks. */
export function liveTensors(): number {
  return tf.memory().numTensors;
}

import * as tf from '@tensorflow/tfjs';

import { HessianProducts } from '../../../src/engine/hvp/hessianProducts';
import { LocalProductSource } from '../../../src/engine/hvp/localProductSource';
import { batchLoss, batchWeight, type LossProblem } from '../../../src/engine/hvp/lossProblem';
import { readParameters, writeParameters } from '../../../src/engine/hvp/parameters';
import { createRandom } from '../../../src/engine/linalg/random';

/**
 * A finite-difference reference for Hessian-vector products (and for the
 * gradient they differentiate) that is reliable enough to call an exact
 * product wrong.
 *
 * - Exact steps: the parameters are rounded to multiples of 2⁻¹², the probe's
 *   entries to multiples of 2⁻¹⁰ within ±4, and the steps are powers of two.
 *   So θ ± h·v is exactly representable in float32, and the difference is
 *   taken along v itself, not along v after rounding.
 * - Richardson extrapolation: D(h) = (∇L(θ+hv) − ∇L(θ−hv)) / 2h has error
 *   c₂h² + c₄h⁴ + …, so R(h) = (4·D(h/2) − D(h)) / 3 has error O(h⁴), and
 *   what remains is float32 rounding of the gradients, amplified by 1/h.
 * - Self-consistency: R(h) and R(h/2) must agree before a probe is used.
 *   Across a kink (ReLU, max pooling, absolute error, hard sigmoid) they do
 *   not, and the probe is rejected rather than blamed on the exact product.
 * - The gradient is checked the same way, against differences of the loss:
 *   ⟨∇L, v⟩ against (L(θ+hv) − L(θ−hv)) / 2h. A wrong first-order kernel
 *   can leave the Hessian-vector product consistent with the differences of
 *   its own wrong gradient, but not this check.
 */

export interface FiniteDifferenceOptions {
  seed: number;
  /** Probes that must pass each consistency check. */
  probes: number;
  /** Probes drawn at most, counting rejected ones. */
  maxProbes: number;
  /** Largest step h of the gradient differences; they use h, h/2 and h/4. */
  step: number;
  /**
   * Largest steps of the loss differences, tried in turn until one is
   * consistent; each is used with its half and its quarter.
   */
  lossSteps: number[];
  /** Largest disagreement between R(h) and R(h/2), relative, for a probe to be used. */
  consistencyTolerance: number;
}

/**
 * Gradient differences from step 2⁻⁸ and loss differences from 2⁻⁶ (2⁻⁸ near
 * a kink), with probes of norm about √n. Measured on the test models (cpu
 * and wasm, seed 7), the gradient differences then agree to 2e-4 and reject
 * few probes. At 2⁻⁵ the ReLU and max-pooling cases rejected every probe. The
 * loss is about 20 times larger than its slope along a probe and is computed
 * in float32, so its differences need a larger step to stay clear of
 * rounding where no kink is near.
 */
export const DEFAULT_FINITE_DIFFERENCE_OPTIONS: FiniteDifferenceOptions = {
  seed: 1,
  probes: 3,
  maxProbes: 8,
  step: 2 ** -8,
  lossSteps: [2 ** -6, 2 ** -8],
  consistencyTolerance: 1e-3,
};

export interface ProbeResult {
  /** ‖H v − R‖ / ‖R‖ with R the extrapolated difference of gradients; NaN when rejected. */
  hvpError: number;
  /** ‖R(h) − R(h/2)‖ / ‖R(h/2)‖ for the gradient differences. */
  hvpConsistency: number;
  /** |⟨∇L, v⟩ − r| / max(|r|, 1e-3·‖∇L‖‖v‖) with r the extrapolated difference of losses; NaN when rejected. */
  gradientError: number;
  /** The same consistency measure for the loss differences. */
  gradientConsistency: number;
}

export interface ComparisonResult {
  /** Largest Hessian-vector product error over the probes used; NaN when none was used. */
  hvpError: number;
  /** Largest gradient error over the probes used; NaN when none was used. */
  gradientError: number;
  /** Largest consistency value over the probes used, of either check. */
  consistency: number;
  /** Probes whose gradient differences were consistent. */
  hvpProbes: number;
  /** Probes whose loss differences were consistent. */
  gradientProbes: number;
  probes: ProbeResult[];
}

/**
 * Compares HessianProducts.exact and HessianProducts.gradient with the
 * extrapolated finite differences on random probes. Rounds the model's
 * parameters to the 2⁻¹² grid first and leaves them rounded.
 */
export async function compareWithFiniteDifference(
  problem: LossProblem,
  options: Partial<FiniteDifferenceOptions> = {},
): Promise<ComparisonResult> {
  const settings = { ...DEFAULT_FINITE_DIFFERENCE_OPTIONS, ...options };
  const products = new HessianProducts(new LocalProductSource(problem), 'exact');
  const random = createRandom(settings.seed, 'finite-difference');
  const accepts = (consistency: number): boolean => consistency <= settings.consistencyTolerance;

  const theta = roundToGrid(await readParameters(problem.layout), 2 ** -12, Number.POSITIVE_INFINITY);
  writeParameters(problem.layout, theta);
  const gradient = (await products.gradient()).gradient;

  const probes: ProbeResult[] = [];
  let hvpProbes = 0;
  let gradientProbes = 0;
  while ((hvpProbes < settings.probes || gradientProbes < settings.probes) && probes.length < settings.maxProbes) {
    const direction = roundToGrid(
      Float64Array.from(theta, () => random.normal()),
      2 ** -10,
      4,
    );

    const exact = await products.exact(direction);
    const differences = [];
    for (const step of [settings.step, settings.step / 2, settings.step / 4]) {
      differences.push(await gradientDifference(problem, products, theta, direction, step));
    }
    const hvpCoarse = richardson(differences[0], differences[1]);
    const hvpFine = richardson(differences[1], differences[2]);
    const hvpConsistency = relativeDistance(hvpCoarse, hvpFine);

    const slope = await consistentSlope(problem, theta, direction, gradient, settings);
    const slopeScale = slope.scale;
    const slopeFine = slope.value;
    const gradientConsistency = slope.consistency;

    probes.push({
      hvpError: accepts(hvpConsistency) ? relativeDistance(exact, hvpFine) : Number.NaN,
      hvpConsistency,
      gradientError: accepts(gradientConsistency) ? Math.abs(dot(gradient, direction) - slopeFine) / slopeScale : Number.NaN,
      gradientConsistency,
    });
    hvpProbes += accepts(hvpConsistency) ? 1 : 0;
    gradientProbes += accepts(gradientConsistency) ? 1 : 0;
  }

  return {
    hvpError: worst(probes.map((probe) => probe.hvpError)),
    gradientError: worst(probes.map((probe) => probe.gradientError)),
    consistency: worst(
      probes.flatMap((probe) => [
        Number.isNaN(probe.hvpError) ? Number.NaN : probe.hvpConsistency,
        Number.isNaN(probe.gradientError) ? Number.NaN : probe.gradientConsistency,
      ]),
    ),
    hvpProbes,
    gradientProbes,
    probes,
  };
}

/**
 * Extrapolates the slope of the loss along `direction` from the largest of
 * the loss steps whose two extrapolations agree, because a kink near θ
 * spoils the larger steps only. Returns the last try when none agrees.
 */
async function consistentSlope(
  problem: LossProblem,
  theta: Float64Array,
  direction: Float64Array,
  gradient: Float64Array,
  settings: FiniteDifferenceOptions,
): Promise<{ value: number; consistency: number; scale: number }> {
  // A slope near zero is judged against the size ‖∇L‖‖v‖ it could have had.
  const floor = 1e-3 * norm(gradient) * norm(direction);
  let result = { value: Number.NaN, consistency: Number.POSITIVE_INFINITY, scale: floor };
  for (const largest of settings.lossSteps) {
    const slopes = [];
    for (const step of [largest, largest / 2, largest / 4]) {
      slopes.push(await lossDifference(problem, theta, direction, step));
    }
    const coarse = (4 * slopes[1] - slopes[0]) / 3;
    const fine = (4 * slopes[2] - slopes[1]) / 3;
    const scale = Math.max(Math.abs(fine), floor);
    result = { value: fine, consistency: Math.abs(coarse - fine) / scale, scale };
    if (result.consistency <= settings.consistencyTolerance) {
      break;
    }
  }
  return result;
}

/** Largest value that is not NaN, or NaN when there is none. */
function worst(values: number[]): number {
  const present = values.filter((value) => !Number.isNaN(value));
  return present.length === 0 ? Number.NaN : Math.max(...present);
}

/** (∇L(θ+hv) − ∇L(θ−hv)) / 2h, per parameter; restores θ. */
async function gradientDifference(
  problem: LossProblem,
  products: HessianProducts,
  theta: Float64Array,
  direction: Float64Array,
  step: number,
): Promise<Float64Array> {
  try {
    writeParameters(problem.layout, shift(theta, direction, step));
    const forward = (await products.gradient()).gradient;
    writeParameters(problem.layout, shift(theta, direction, -step));
    const backward = (await products.gradient()).gradient;
    return forward.map((value, i) => (value - backward[i]) / (2 * step));
  } finally {
    writeParameters(problem.layout, theta);
  }
}

/** (L(θ+hv) − L(θ−hv)) / 2h; restores θ. */
async function lossDifference(problem: LossProblem, theta: Float64Array, direction: Float64Array, step: number): Promise<number> {
  try {
    writeParameters(problem.layout, shift(theta, direction, step));
    const forward = await meanLoss(problem);
    writeParameters(problem.layout, shift(theta, direction, -step));
    const backward = await meanLoss(problem);
    return (forward - backward) / (2 * step);
  } finally {
    writeParameters(problem.layout, theta);
  }
}

/** Computes the mean loss over all samples by forward passes only. */
async function meanLoss(problem: LossProblem): Promise<number> {
  let total = 0;
  for (const batch of problem.batches) {
    const loss = tf.tidy(() => tf.mul(batchLoss(problem, batch), batchWeight(problem, batch)));
    total += (await loss.data())[0];
    loss.dispose();
  }
  return total;
}

function shift(theta: Float64Array, direction: Float64Array, step: number): Float64Array {
  return theta.map((value, i) => value + step * direction[i]);
}

function richardson(coarse: Float64Array, fine: Float64Array): Float64Array {
  return fine.map((value, i) => (4 * value - coarse[i]) / 3);
}

/** ‖a − b‖ / ‖b‖. */
export function relativeDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let difference = 0;
  let reference = 0;
  for (let i = 0; i < b.length; i++) {
    difference += (a[i] - b[i]) ** 2;
    reference += b[i] ** 2;
  }
  return Math.sqrt(difference / reference);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    sum += a[i] * b[i];
  }
  return sum;
}

function norm(values: ArrayLike<number>): number {
  return Math.sqrt(dot(values, values));
}

function roundToGrid(values: Float64Array, spacing: number, limit: number): Float64Array {
  return values.map((value) => Math.round(Math.max(-limit, Math.min(limit, value)) / spacing) * spacing);
}

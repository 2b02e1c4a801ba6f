import type { HvpMethod } from '../report';
import { createRandom, normalVector } from '../linalg/random';
import type { HessianProducts } from './hessianProducts';

/**
 * Decides whether an analysis may use exact Hessian-vector products, by
 * comparing them with central finite differences of gradients on random
 * probes.
 *
 * Finite differences across a ReLU or max-pooling switch measure a kink, not
 * the Hessian of the active piece, so a single disagreement proves nothing.
 * Three measures keep kinks out of the comparison. It runs on a few samples
 * (VERIFICATION_SAMPLES), because every sample adds units that a step can
 * switch, while the exact product takes the same code path for any number of
 * samples. It uses small steps. And each probe is compared at two step sizes.
 * The exact product passes when either difference agrees with it. It is
 * judged wrong only when the two differences agree with each other, which
 * makes them trustworthy, and both disagree with it. Anything else is
 * inconclusive.
 *
 * Measured on the trained LeNet (ReLU, max pooling) with 16 samples on the
 * cpu backend: relative errors of 0.98, 0.14 at step 1e-3, 4.7e-3, 4.0e-3 at
 * 1e-4 and 1.2e-2, 1.5e-2 at 1e-5, where float32 rounding starts to dominate.
 * With 64 samples, step 1e-4 already gave 0.83.
 */

/** Relative disagreement under which an exact product agrees with a difference. */
export const VERIFICATION_TOLERANCE = 2e-2;

/** Finite-difference steps relative to ‖θ‖/‖v‖; the smaller one steps over fewer kinks. */
export const VERIFICATION_STEPS = [1e-4, 1e-5] as const;

/** Samples the comparison runs on: the first ones of the analysis. */
export const VERIFICATION_SAMPLES = 16;

export type ProbeVerdict = 'agrees' | 'disagrees' | 'inconclusive';

export interface ProbeComparison {
  verdict: ProbeVerdict;
  /** ‖Hv_exact − Hv_fd‖ / ‖Hv_fd‖ at each step of VERIFICATION_STEPS. */
  errors: number[];
  /** Relative disagreement of the two finite differences with each other. */
  stepAgreement: number;
}

export interface HvpDecision {
  method: HvpMethod;
  /** Median over probes of the smaller error of the two steps; null when nothing was compared. */
  verificationError: number | null;
  /** One sentence on why the method was chosen. */
  reason: string;
  probes: ProbeComparison[];
  /** Products (exact or by difference) that the verification cost, each over the verification samples. */
  cost: number;
}

export interface VerificationOptions {
  /** The user's choice: `auto` verifies, `exact` and `finite-difference` force a method. */
  requested: 'auto' | HvpMethod;
  /** Whether the start-up self-test of the gradient fixes passed on this backend. */
  selfTestPassed: boolean;
  /**
   * Layer classes of the model that no finite-difference test in the test suite
   * covers. With any of them, an inconclusive comparison falls back to finite
   * differences instead of trusting the exact product.
   */
  unverifiedLayerClasses: string[];
  /**
   * Whether the model has kinks (ReLU-like activations, max pooling), which
   * is then named as the cause of inconclusive differences; else float32
   * rounding is. Default true.
   */
  piecewiseLinear?: boolean;
  seed: number;
  /** Number of random probes (default 3); each costs one exact product and four gradients. */
  probes?: number;
}

/**
 * Compares exact and finite-difference products on random probes and picks
 * the method. `products` should cover VERIFICATION_SAMPLES samples; its
 * decision holds for the same model on any samples.
 */
export async function chooseHvpMethod(products: HessianProducts, options: VerificationOptions): Promise<HvpDecision> {
  if (options.requested === 'finite-difference') {
    return decision('finite-difference', null, 'Finite differences were requested.', [], 0);
  }
  if (!options.selfTestPassed) {
    return decision(
      'finite-difference',
      null,
      'The self-test of the second-order gradient fixes failed on this backend, so exact products are not trusted.',
      [],
      0,
    );
  }

  const random = createRandom(options.seed, 'hvp-verification');
  const comparisons: ProbeComparison[] = [];
  for (let probe = 0; probe < (options.probes ?? 3); probe++) {
    comparisons.push(await compareOnProbe(products, normalVector(random, products.size)));
  }
  const cost = comparisons.length * (1 + VERIFICATION_STEPS.length);
  const error = median(comparisons.map((comparison) => Math.min(...comparison.errors)));
  const agreeing = comparisons.filter((comparison) => comparison.verdict === 'agrees').length;
  const where = `on ${products.source.samples} samples`;
  const spoiler = options.piecewiseLinear === false ? 'float32 rounding of the differences' : 'kinks of ReLU or max pooling';

  if (comparisons.some((comparison) => comparison.verdict === 'disagrees')) {
    const method = options.requested === 'exact' ? 'exact' : 'finite-difference';
    const consequence =
      method === 'exact' ? 'Exact products were used anyway because they were requested.' : 'Finite differences are used instead.';
    return decision(
      method,
      error,
      `Exact products disagree with consistent finite differences ${where} (relative error ${formatError(error)}). ${consequence}`,
      comparisons,
      cost,
    );
  }
  if (agreeing === comparisons.length) {
    return decision('exact', error, `Exact products agree with finite differences ${where} (relative error ${formatError(error)}).`, comparisons, cost);
  }

  // A wrong exact product is wrong in every direction, while a kink spoils
  // only the probes whose steps cross it. So a majority that agrees, with no
  // probe that disagrees, verifies the exact products.
  if (agreeing > comparisons.length / 2) {
    return decision(
      'exact',
      error,
      `Exact products agree with finite differences ${where} on ${agreeing} of ${comparisons.length} random directions ` +
        `(median relative error ${formatError(error)}); the finite differences of the others are spoiled by ${spoiler}.`,
      comparisons,
      cost,
    );
  }

  // Inconclusive: the differences straddle kinks, or rounding swamps them.
  if (options.unverifiedLayerClasses.length === 0 || options.requested === 'exact') {
    return decision(
      'exact',
      error,
      `Finite differences were inconclusive ${where} (${spoiler}), and every layer type of the model ` +
        'passes the finite-difference test of the test suite, so exact products are used.',
      comparisons,
      cost,
    );
  }
  return decision(
    'finite-difference',
    error,
    `Finite differences were inconclusive ${where} and the layer types ${options.unverifiedLayerClasses.join(', ')} ` +
      'have no verified exact products, so finite differences are used.',
    comparisons,
    cost,
  );
}

async function compareOnProbe(products: HessianProducts, probe: Float64Array): Promise<ProbeComparison> {
  const exact = await products.exact(probe);
  const differences: Float64Array[] = [];
  for (const step of VERIFICATION_STEPS) {
    differences.push(await products.finiteDifference(probe, step));
  }

  const errors = differences.map((difference) => relativeDifference(exact, difference));
  const stepAgreement = relativeDifference(differences[0], differences[1]);
  const bestError = Math.min(...errors);

  let verdict: ProbeVerdict = 'inconclusive';
  if (bestError <= VERIFICATION_TOLERANCE) {
    verdict = 'agrees';
  } else if (stepAgreement <= VERIFICATION_TOLERANCE) {
    verdict = 'disagrees';
  }
  return { verdict, errors, stepAgreement };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** ‖a − b‖ / ‖b‖, or ‖a‖ when b is zero. */
export function relativeDifference(a: Float64Array, b: Float64Array): number {
  let difference = 0;
  let reference = 0;
  for (let i = 0; i < a.length; i++) {
    difference += (a[i] - b[i]) ** 2;
    reference += b[i] ** 2;
  }
  return reference === 0 ? Math.sqrt(difference) : Math.sqrt(difference / reference);
}

function decision(
  method: HvpMethod,
  verificationError: number | null,
  reason: string,
  probes: ProbeComparison[],
  cost: number,
): HvpDecision {
  return { method, verificationError, reason, probes, cost };
}

function formatError(error: number): string {
  return error.toExponential(1);
}

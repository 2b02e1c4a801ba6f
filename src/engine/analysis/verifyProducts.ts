import type { FittedDataset } from '../data';
import { HessianProducts } from '../hvp/hessianProducts';
import { LocalProductSource } from '../hvp/localProductSource';
import { createLossProblem } from '../hvp/lossProblem';
import { chooseHvpMethod, VERIFICATION_SAMPLES, type HvpDecision } from '../hvp/verifyExactHvp';
import type { UnverifiedLayer } from '../tfjs';
import { firstSamples, hasPiecewiseLinearLayers, PIECEWISE_LINEAR_RELATIVE_STEP } from './verificationSubset';
import type { PreparedAnalysis } from './prepareAnalysis';

/**
 * Chooses how the analysis computes Hessian-vector products, by comparing
 * exact and finite-difference products on the first few samples in this
 * thread, and configures `products` accordingly.
 */
export async function decideProductMethod(
  prepared: PreparedAnalysis,
  products: HessianProducts,
  selfTestPassed: boolean,
  unverified: UnverifiedLayer[],
): Promise<HvpDecision> {
  const subset = new LocalProductSource(
    createLossProblem(prepared.model, prepared.loss, firstSamples(prepared.fitted as FittedDataset, VERIFICATION_SAMPLES), prepared.settings.batchSize),
  );
  try {
    const decision = await chooseHvpMethod(new HessianProducts(subset, 'exact'), {
      requested: prepared.settings.method,
      selfTestPassed,
      unverifiedLayerClasses: [...new Set(unverified.map((layer) => layer.className))],
      piecewiseLinear: hasPiecewiseLinearLayers(prepared.model),
      seed: prepared.settings.seed,
    });
    products.method = decision.method;
    if (decision.method === 'finite-difference' && hasPiecewiseLinearLayers(prepared.model)) {
      products.relativeStep = PIECEWISE_LINEAR_RELATIVE_STEP;
    }
    return decision;
  } finally {
    await subset.dispose();
  }
}

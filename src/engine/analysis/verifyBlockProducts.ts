import type { FittedDataset } from '../data';
import type { HessianProducts } from '../hvp/hessianProducts';
import { LocalProductSource } from '../hvp/localProductSource';
import { createLossProblem } from '../hvp/lossProblem';
import type { ParameterBlock } from '../hvp/parameters';
import type { ProductSource } from '../hvp/productSource';
import { VERIFICATION_SAMPLES } from '../hvp/verifyExactHvp';
import { createRandom, normalVector } from '../linalg/random';
import { norm, subtract } from '../linalg/vector';
import type { PreparedAnalysis } from './prepareAnalysis';
import { firstSamples } from './verificationSubset';

/**
 * Largest relative difference, ‖restricted − full‖ / ‖full‖, at which a
 * block's restricted product counts as equal to the full one. Both run the
 * same float32 kernels on the same values, so they agree to rounding: the
 * trained LeNet's five layers gave 0.
 */
export const BLOCK_PRODUCT_TOLERANCE = 1e-4;

/** The comparison of one layer's restricted and full product. */
export interface BlockProductCheck {
  layerName: string;
  relativeDifference: number;
  passed: boolean;
}

/**
 * Checks, for each layer with weights, that double backprop restricted to the
 * layer's weights gives the same product as the full double backprop of the
 * vector embedded with zeros, on the verification samples and one random
 * vector per layer. The layers that pass go into `products.restrictedBlocks`,
 * so that the per-layer phase uses the cheaper restricted products for them.
 * Call it only once exact products were chosen. Returns the checks and the
 * number of samples they used.
 */
export async function verifyBlockProducts(prepared: PreparedAnalysis, products: HessianProducts): Promise<{ checks: BlockProductCheck[]; samples: number }> {
  const subset = new LocalProductSource(
    createLossProblem(prepared.model, prepared.loss, firstSamples(prepared.fitted as FittedDataset, VERIFICATION_SAMPLES), prepared.settings.batchSize),
  );
  try {
    const checks = await checkBlockProducts(subset, subset.problem.layout.blocks, products, prepared.settings.seed);
    return { checks, samples: subset.samples };
  } finally {
    await subset.dispose();
  }
}

/**
 * Runs the comparison of verifyBlockProducts on any product source whose
 * blocks are `blocks`, in layout order.
 */
export async function checkBlockProducts(
  source: ProductSource,
  blocks: ReadonlyArray<Pick<ParameterBlock, 'layerName' | 'offset' | 'size'>>,
  products: HessianProducts,
  seed: number,
): Promise<BlockProductCheck[]> {
  const random = createRandom(seed, 'block products');
  const checks: BlockProductCheck[] = [];

  for (const [index, block] of blocks.entries()) {
    const vector = normalVector(random, block.size);
    const restricted = await source.exactBlockHvp(index, vector);

    const embedded = new Float64Array(source.size);
    embedded.set(vector, block.offset);
    const full = (await source.exactHvp(embedded)).subarray(block.offset, block.offset + block.size);

    const relativeDifference = norm(subtract(restricted, full)) / Math.max(norm(full), Number.MIN_VALUE);
    const passed = relativeDifference <= BLOCK_PRODUCT_TOLERANCE;
    if (passed) {
      products.restrictedBlocks.add(index);
    }
    checks.push({ layerName: block.layerName, relativeDifference, passed });
  }
  return checks;
}

/** Describes in one sentence, for the report's notes, how the per-layer products ran; `samples` is the number the check used. */
export function describeBlockChecks(checks: BlockProductCheck[], samples: number): string {
  const largest = Math.max(0, ...checks.map((check) => check.relativeDifference));
  const failed = checks.filter((check) => !check.passed);
  const checked = `checked against full products on ${samples} samples`;
  if (failed.length === 0) {
    return `Per-layer products ran as double backprop restricted to each layer's weights, ${checked} (largest relative difference ${largest.toExponential(1)}).`;
  }
  const names = failed.map((check) => `${check.layerName} (${check.relativeDifference.toExponential(1)})`).join(', ');
  return `Per-layer products ran as full products for ${names}, where double backprop restricted to the layer's weights disagreed when ${checked}; the other layers used the restricted products.`;
}

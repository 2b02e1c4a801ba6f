import type { SymmetricOperator } from '../linalg/operator';
import type { HessianProducts } from '../hvp/hessianProducts';
import type { ParameterBlock } from '../hvp/parameters';

/**
 * Views of the Hessian as symmetric operators for the linear-algebra module:
 * the whole Hessian, and the diagonal block of one layer.
 */

/** Views the full Hessian H over the parameter vector as an operator; each apply is one counted product. */
export function hessianOperator(products: HessianProducts): SymmetricOperator {
  return {
    size: products.size,
    apply: (vector) => products.apply(vector),
  };
}

/**
 * Views the diagonal block H_bb of one layer as an operator. `blockIndex` is
 * the block's position in the parameter layout. Each apply is one product,
 * restricted to the block's weights where that was checked (see
 * HessianProducts.applyBlock), else a full product of the embedded vector.
 */
export function blockOperator(products: HessianProducts, block: ParameterBlock, blockIndex: number): SymmetricOperator {
  return {
    size: block.size,
    apply: (vector) => products.applyBlock(blockIndex, block.offset, block.size, vector),
  };
}

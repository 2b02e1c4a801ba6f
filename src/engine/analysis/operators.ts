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
 * Views the diagonal block H_bb of one layer as an operator: v is embedded in a zero vector of
 * length n, multiplied by H, and the layer's slice of the product is kept. Each
 * apply costs one full Hessian-vector product.
 */
export function blockOperator(products: HessianProducts, block: ParameterBlock): SymmetricOperator {
  return {
    size: block.size,
    apply: async (vector) => {
      const embedded = new Float64Array(products.size);
      embedded.set(vector, block.offset);
      const product = await products.apply(embedded);
      return product.slice(block.offset, block.offset + block.size);
    },
  };
}

import type { SymmetricOperator } from '../linalg/operator';
import type { HessianProducts } from '../hvp/hessianProducts';
import type { ParameterBlock } from '../hvp/parameters';

/**
 * Views of the Hessian as symmetric operators for the linear-algebra module:
 * the whole Hessian, and the diagonal block of one layer.
 */

/** A vector and its product with the Hessian, as recorded by `recordProducts`. */
export interface RecordedProduct {
  vector: Float64Array;
  product: Float64Array;
}

/** The full Hessian H over the parameter vector; each apply is one counted product. */
export function hessianOperator(products: HessianProducts): SymmetricOperator {
  return {
    size: products.size,
    apply: (vector) => products.apply(vector),
  };
}

/**
 * Wraps an operator so that every vector it is applied to, with its product,
 * is kept when `keep` accepts the vector, for estimates that reuse products
 * (per-layer traces from random probes). Kept entries are copies, because the
 * algorithms update their vectors in place after each product.
 */
export function recordProducts(
  operator: SymmetricOperator,
  keep: (vector: Float64Array) => boolean,
  record: (entry: RecordedProduct) => void,
): SymmetricOperator {
  return {
    size: operator.size,
    apply: async (vector) => {
      const product = await operator.apply(vector);
      if (keep(vector)) {
        record({ vector: vector.slice(), product: product.slice() });
      }
      return product;
    },
  };
}

/**
 * The diagonal block H_bb of one layer: v is embedded in a zero vector of
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

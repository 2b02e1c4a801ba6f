import type { ProductSource } from '../../../src/engine/hvp/productSource';

/**
 * Returns a product source that forwards every call to `source` except those
 * in `overrides`. Tests use it to imitate a broken product path, because the
 * real paths are correct on every model they build.
 */
export function sourceWith(source: ProductSource, overrides: Partial<ProductSource>): ProductSource {
  return {
    size: source.size,
    samples: source.samples,
    exactHvp: (vector) => source.exactHvp(vector),
    exactBlockHvp: (blockIndex, vector) => source.exactBlockHvp(blockIndex, vector),
    gradient: () => source.gradient(),
    evaluate: () => source.evaluate(),
    loss: () => source.loss(),
    readParameters: () => source.readParameters(),
    writeParameters: (values) => source.writeParameters(values),
    dispose: () => source.dispose(),
    ...overrides,
  };
}

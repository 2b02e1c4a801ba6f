import { throwIfCancelled } from '../errors';

/**
 * A symmetric linear operator A on R^n that the algorithms of this module can
 * only apply, never inspect. The Hessian of a model is the main one: each
 * `apply` is one Hessian-vector product, which is why it is asynchronous.
 */
export interface SymmetricOperator {
  /** Dimension n: `apply` takes and returns vectors of this length. */
  readonly size: number;

  /**
   * Computes A·vector. The vector has length `size` and must not be modified.
   * Returns a new array of length `size` that the caller owns and may modify.
   */
  apply(vector: Float64Array): Promise<Float64Array>;
}

/** Cancellation and progress reporting, accepted by every algorithm of this module. */
export interface RunOptions {
  /**
   * Aborting stops the algorithm with a CancelledError before its next operator
   * application, or as soon as the running application returns.
   */
  signal?: AbortSignal;

  /**
   * Called after each operator application. `done` counts the applications so
   * far and `total` is the most the run can use, so `done` may stop short of it.
   */
  onStep?(done: number, total: number): void;
}

/**
 * Applies the operator with the checks every algorithm needs: it honours the
 * abort signal before and after the product, and rejects a product of the
 * wrong length or with a non-finite entry.
 *
 * @throws CancelledError when `signal` is aborted.
 * @throws RangeError when the product has the wrong length or contains NaN or ±Infinity.
 */
export async function applyOperator(
  operator: SymmetricOperator,
  vector: Float64Array,
  signal: AbortSignal | undefined,
): Promise<Float64Array> {
  throwIfCancelled(signal);
  const product = await operator.apply(vector);
  throwIfCancelled(signal);

  if (product.length !== operator.size) {
    throw new RangeError(
      `The operator returned a vector of length ${product.length}, but its size is ${operator.size}.`,
    );
  }
  for (let i = 0; i < product.length; i++) {
    if (!Number.isFinite(product[i])) {
      throw new RangeError(
        `The operator returned a non-finite value (${product[i]}) at index ${i}; ` +
          'check the model weights and the loss for overflow.',
      );
    }
  }
  return product;
}

/** Throws a RangeError unless the operator's size is a positive integer. */
export function validateOperatorSize(operator: SymmetricOperator): number {
  const size = operator.size;
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`The operator size must be a positive integer, but it is ${size}.`);
  }
  return size;
}

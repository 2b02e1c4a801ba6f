import type { HvpMethod } from '../report';
import type { ProductSource } from './productSource';

/**
 * Hessian-vector products of the mean loss by the method the verification
 * chose: exact (double backprop) or a central difference of gradients.
 */

/** Default step of the finite difference, relative to ‖θ‖/‖v‖, for smooth models. */
export const DEFAULT_RELATIVE_STEP = 1e-3;

export class HessianProducts {
  /** Hessian-vector products computed by `apply` so far, over all samples each. */
  count = 0;

  private originalParameters: Float64Array | null = null;

  constructor(
    readonly source: ProductSource,
    public method: HvpMethod,
    public relativeStep = DEFAULT_RELATIVE_STEP,
  ) {}

  /** n, the number of parameters. */
  get size(): number {
    return this.source.size;
  }

  /** H v by the current method; counted. */
  async apply(vector: Float64Array): Promise<Float64Array> {
    const product = this.method === 'exact' ? await this.exact(vector) : await this.finiteDifference(vector);
    this.count++;
    return product;
  }

  /**
   * Indices of the parameter blocks (see layoutParameters) whose restricted
   * double backprop was checked against the full product. Only these use it.
   */
  restrictedBlocks = new Set<number>();

  /**
   * H_bb v_b for the diagonal block `blockIndex` at `offset`, with `vector` of
   * the block's `size`; counted as one product. Exact products of a checked
   * block run restricted to the block's weights, which is cheaper. Every other
   * case takes the full product of the vector embedded with zeros.
   */
  async applyBlock(blockIndex: number, offset: number, size: number, vector: Float64Array): Promise<Float64Array> {
    if (this.method === 'exact' && this.restrictedBlocks.has(blockIndex)) {
      const product = await this.source.exactBlockHvp(blockIndex, vector);
      this.count++;
      return product;
    }
    const embedded = new Float64Array(this.size);
    embedded.set(vector, offset);
    const product = await this.apply(embedded);
    return product.slice(offset, offset + size);
  }

  /** H v by double backprop, without counting it. */
  exact(vector: Float64Array): Promise<Float64Array> {
    return this.source.exactHvp(vector);
  }

  /**
   * H v by a central difference of gradients, (∇L(θ+εv) − ∇L(θ−εv)) / 2ε with
   * ε = relativeStep·max(‖θ‖, 1)/‖v‖, without counting it. The parameters are
   * restored before it returns, also on error.
   */
  async finiteDifference(vector: Float64Array, relativeStep = this.relativeStep): Promise<Float64Array> {
    const theta = await this.parameters();
    const step = (relativeStep * Math.max(norm(theta), 1)) / Math.max(norm(vector), Number.MIN_VALUE);
    const shifted = new Float64Array(this.size);

    try {
      for (let i = 0; i < this.size; i++) {
        shifted[i] = theta[i] + step * vector[i];
      }
      await this.source.writeParameters(shifted);
      const forward = (await this.source.gradient()).gradient;

      for (let i = 0; i < this.size; i++) {
        shifted[i] = theta[i] - step * vector[i];
      }
      await this.source.writeParameters(shifted);
      const backward = (await this.source.gradient()).gradient;

      const product = new Float64Array(this.size);
      for (let i = 0; i < this.size; i++) {
        product[i] = (forward[i] - backward[i]) / (2 * step);
      }
      return product;
    } finally {
      await this.source.writeParameters(theta);
    }
  }

  /** Mean loss and its gradient over all samples. */
  gradient(): Promise<{ loss: number; gradient: Float64Array }> {
    return this.source.gradient();
  }

  /** θ as loaded, read once; finite differences and loss slices return to it exactly. */
  async parameters(): Promise<Float64Array> {
    if (this.originalParameters === null) {
      this.originalParameters = await this.source.readParameters();
    }
    return this.originalParameters;
  }
}

function norm(vector: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) {
    sum += vector[i] * vector[i];
  }
  return Math.sqrt(sum);
}

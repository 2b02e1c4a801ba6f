import * as tf from '@tensorflow/tfjs';

import type { HvpMethod } from '../report';
import { batchExactHvp, batchGradient } from './gradients';
import type { LossProblem } from './lossProblem';
import { readParameters, splitIntoTensors, writeParameters } from './parameters';

/**
 * Hessian-vector products and gradients of the mean loss over all samples of a
 * LossProblem. Each product runs batch by batch on the backend in float32 and
 * is summed in float64, so the result equals one product over all samples in
 * one batch, within float32 rounding.
 */

/** Default step of the finite difference, relative to ‖θ‖/‖v‖. */
export const DEFAULT_RELATIVE_STEP = 1e-3;

export class HessianProducts {
  /** Hessian-vector products computed so far, over all samples each. */
  count = 0;

  private originalParameters: Float64Array | null = null;

  constructor(
    readonly problem: LossProblem,
    public method: HvpMethod,
    public relativeStep = DEFAULT_RELATIVE_STEP,
  ) {}

  /** n, the number of parameters. */
  get size(): number {
    return this.problem.layout.size;
  }

  /** H v by the current method. */
  async apply(vector: Float64Array): Promise<Float64Array> {
    const product = this.method === 'exact' ? await this.exact(vector) : await this.finiteDifference(vector);
    this.count++;
    return product;
  }

  /** H v by double backprop, without counting it. */
  async exact(vector: Float64Array): Promise<Float64Array> {
    const direction = splitIntoTensors(this.problem.layout, vector);
    try {
      const total = new Float64Array(this.size);
      for (const batch of this.problem.batches) {
        const product = batchExactHvp(this.problem, batch, direction);
        addInto(total, await readAndDispose(product));
      }
      return total;
    } finally {
      direction.forEach((tensor) => tensor.dispose());
    }
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
      writeParameters(this.problem.layout, shifted);
      const forward = (await this.gradient()).gradient;

      for (let i = 0; i < this.size; i++) {
        shifted[i] = theta[i] - step * vector[i];
      }
      writeParameters(this.problem.layout, shifted);
      const backward = (await this.gradient()).gradient;

      const product = new Float64Array(this.size);
      for (let i = 0; i < this.size; i++) {
        product[i] = (forward[i] - backward[i]) / (2 * step);
      }
      return product;
    } finally {
      writeParameters(this.problem.layout, theta);
    }
  }

  /** Mean loss and its gradient over all samples. */
  async gradient(): Promise<{ loss: number; gradient: Float64Array }> {
    const total = new Float64Array(this.size);
    let loss = 0;
    for (const batch of this.problem.batches) {
      const result = batchGradient(this.problem, batch);
      loss += (await readAndDispose(result.loss))[0];
      addInto(total, await readAndDispose(result.gradient));
    }
    return { loss, gradient: total };
  }

  /** θ as loaded, read once; finite differences return to it exactly. */
  async parameters(): Promise<Float64Array> {
    if (this.originalParameters === null) {
      this.originalParameters = await readParameters(this.problem.layout);
    }
    return this.originalParameters;
  }
}

async function readAndDispose(tensor: tf.Tensor): Promise<Float32Array> {
  try {
    return (await tensor.data()) as Float32Array;
  } finally {
    tensor.dispose();
  }
}

function addInto(total: Float64Array, part: Float32Array): void {
  for (let i = 0; i < total.length; i++) {
    total[i] += part[i];
  }
}

function norm(vector: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) {
    sum += vector[i] * vector[i];
  }
  return Math.sqrt(sum);
}

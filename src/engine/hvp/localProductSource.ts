import type * as tf from '@tensorflow/tfjs';

import { evaluateLoss, evaluateProblem } from './evaluate';
import { batchExactBlockHvp, batchExactHvp, batchGradient } from './gradients';
import { disposeProblem, type LossProblem } from './lossProblem';
import { readParameters, splitBlockIntoTensors, splitIntoTensors, writeParameters } from './parameters';
import type { ProductSource } from './productSource';

/**
 * Products computed in the current thread, batch by batch: each batch runs on
 * the backend in float32 and the batches are summed in float64, so the result
 * equals one product over all samples in one batch, within float32 rounding.
 */
export class LocalProductSource implements ProductSource {
  constructor(readonly problem: LossProblem) {}

  get size(): number {
    return this.problem.layout.size;
  }

  get samples(): number {
    return this.problem.samples;
  }

  async exactHvp(vector: Float64Array): Promise<Float64Array> {
    const direction = splitIntoTensors(this.problem.layout, vector);
    try {
      const total = new Float64Array(this.size);
      for (const batch of this.problem.batches) {
        addInto(total, await readAndDispose(batchExactHvp(this.problem, batch, direction)));
      }
      return total;
    } finally {
      direction.forEach((tensor) => tensor.dispose());
    }
  }

  async exactBlockHvp(blockIndex: number, vector: Float64Array): Promise<Float64Array> {
    const block = this.problem.layout.blocks[blockIndex];
    if (block === undefined) {
      throw new RangeError(`Block ${blockIndex} does not exist; the model has ${this.problem.layout.blocks.length} layers with weights.`);
    }
    const direction = splitBlockIntoTensors(block, vector);
    try {
      const total = new Float64Array(block.size);
      for (const batch of this.problem.batches) {
        addInto(total, await readAndDispose(batchExactBlockHvp(this.problem, batch, block, direction)));
      }
      return total;
    } finally {
      direction.forEach((tensor) => tensor.dispose());
    }
  }

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

  evaluate(): Promise<{ loss: number; predictions: Float32Array }> {
    return evaluateProblem(this.problem);
  }

  loss(): Promise<number> {
    return evaluateLoss(this.problem);
  }

  readParameters(): Promise<Float64Array> {
    return readParameters(this.problem.layout);
  }

  async writeParameters(values: Float64Array): Promise<void> {
    writeParameters(this.problem.layout, values);
  }

  async dispose(): Promise<void> {
    disposeProblem(this.problem);
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

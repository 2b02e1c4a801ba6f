import * as tf from '@tensorflow/tfjs';

import { batchLoss, batchWeight, type Batch, type LossProblem } from './lossProblem';
import { flattenBlockTensors, flattenTensors, type ParameterBlock } from './parameters';

/**
 * First- and second-order derivatives of the mean loss with respect to the
 * parameters, one batch at a time. All returned tensors are flat float32
 * [n] tensors owned by the caller.
 */

interface GradientEngine {
  gradients<T extends tf.Tensor>(
    f: () => T,
    xs: tf.Tensor[],
    dy?: T,
    allowNoGradients?: boolean,
  ): { value: T; grads: Array<tf.Tensor | null> };
  state: {
    gradientDepth: number;
    activeTape: Array<{ saved: tf.Tensor[] }> | null;
  };
}

function engine(): GradientEngine {
  return tf.engine() as unknown as GradientEngine;
}

/**
 * Gradients of f with respect to xs, with null for an x that f does not
 * depend on. Unlike tf.grads it accepts variables and unconnected inputs.
 */
export function gradientsOf(f: () => tf.Scalar, xs: tf.Tensor[]): Array<tf.Tensor | null> {
  // The value stays for the enclosing tidy to free: the outer tape may still refer to it.
  return engine().gradients(f, xs, undefined, true).grads;
}

/**
 * Runs `compute` and, when it throws, frees the tensors that the interrupted
 * gradient left saved on the tape. Without this a failing HVP leaks about 80
 * tensors per call in TensorFlow.js 4.22.
 */
export function withTapeCleanup<T>(compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    const state = engine().state;
    if (state.gradientDepth === 0 && state.activeTape !== null) {
      for (const node of state.activeTape) {
        node.saved.forEach((tensor) => tensor.dispose());
      }
      state.activeTape = null;
    }
    throw error;
  }
}

/** Loss and gradient of one batch, each scaled by the batch's weight in the mean. */
export function batchGradient(problem: LossProblem, batch: Batch): { loss: tf.Scalar; gradient: tf.Tensor1D } {
  return withTapeCleanup(() =>
    tf.tidy(() => {
      const weight = batchWeight(problem, batch);
      const variables = problem.layout.variables;
      const { value, grads } = engine().gradients(() => batchLoss(problem, batch), variables, undefined, true);
      return {
        loss: tf.mul(value, weight) as tf.Scalar,
        gradient: tf.mul(flattenTensors(problem.layout, grads), weight) as tf.Tensor1D,
      };
    }),
  );
}

/**
 * Exact Hessian-vector product of one batch's loss by double backprop
 * (Pearlmutter 1994): H v = ∇θ ⟨∇θ L, v⟩, scaled by the batch's weight.
 * `direction` is v split per variable (see splitIntoTensors).
 */
export function batchExactHvp(problem: LossProblem, batch: Batch, direction: tf.Tensor[]): tf.Tensor1D {
  return withTapeCleanup(() =>
    tf.tidy(() => flattenTensors(problem.layout, doubleBackprop(problem, batch, problem.layout.variables, direction))),
  );
}

/**
 * Product of one layer's diagonal Hessian block with a vector of that block,
 * H_bb v_b = ∇_b ⟨∇_b L, v_b⟩, scaled by the batch's weight. Both gradients
 * are taken with respect to the block's variables only, so TensorFlow.js
 * prunes every backward step that does not lead to them: the layers below the
 * block and the weight gradients of the other layers. The result equals the
 * block of the full product of the vector embedded with zeros elsewhere.
 */
export function batchExactBlockHvp(problem: LossProblem, batch: Batch, block: ParameterBlock, direction: tf.Tensor[]): tf.Tensor1D {
  return withTapeCleanup(() => tf.tidy(() => flattenBlockTensors(block, doubleBackprop(problem, batch, block.variables, direction))));
}

/** Computes ∇⟨∇L, v⟩ with respect to `variables`, times the batch's weight; `direction` contains v per variable. */
function doubleBackprop(problem: LossProblem, batch: Batch, variables: tf.Variable[], direction: tf.Tensor[]): tf.Tensor[] {
  const directionalDerivative = (): tf.Scalar => {
    const gradient = gradientsOf(() => batchLoss(problem, batch), variables);
    let sum = tf.scalar(0);
    gradient.forEach((part, i) => {
      if (part !== null) {
        sum = tf.add(sum, tf.sum(tf.mul(part, direction[i])));
      }
    });
    return sum;
  };

  const weight = batchWeight(problem, batch);
  return gradientsOf(directionalDerivative, variables).map((part, i) =>
    part === null ? tf.zerosLike(variables[i]) : tf.mul(part, weight),
  );
}

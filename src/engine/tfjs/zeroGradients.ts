import * as tf from '@tensorflow/tfjs';

/**
 * Zero gradients for kernels whose output is boolean or piecewise constant.
 *
 * Their true derivative is zero almost everywhere, but tfjs-core 4.22
 * registers no gradient for most of them. The tape does not know that a
 * boolean output carries no gradient, so backprop fails with "gradient
 * function not found for LogicalAnd" when such a kernel sits between the
 * parameters and the loss. Every cross-entropy loss has one, because the
 * gradient of clipByValue computes logicalAnd(greaterEqual(x, min),
 * lessEqual(x, max)). Each gradient here is a float32 zero tensor of its
 * input's shape, because the tape rejects a gradient of any other dtype and
 * tf.zerosLike of a boolean input is boolean.
 */

/** Kernels given a zero gradient, with their input names as tfjs-core 4.22 declares them. */
export const ZERO_GRADIENT_KERNELS: Readonly<Record<string, readonly string[]>> = {
  LogicalAnd: ['a', 'b'],
  LogicalOr: ['a', 'b'],
  LogicalXor: ['a', 'b'],
  LogicalNot: ['x'],
  Equal: ['a', 'b'],
  NotEqual: ['a', 'b'],
  Greater: ['a', 'b'],
  GreaterEqual: ['a', 'b'],
  Less: ['a', 'b'],
  LessEqual: ['a', 'b'],
  IsNan: ['x'],
  IsInf: ['x'],
  IsFinite: ['x'],
  All: ['x'],
  Any: ['x'],
};

let installed = false;

/**
 * Registers a zero gradient for each kernel of ZERO_GRADIENT_KERNELS. The few
 * that tfjs-core 4.22 registers itself (GreaterEqual, IsNan, IsInf, IsFinite)
 * are replaced too, because they return tf.zerosLike of an input or of dy,
 * which is int32 or boolean for such an input. Calling it again does nothing.
 */
export function installZeroGradients(): void {
  if (installed) {
    return;
  }
  installed = true;

  for (const [kernelName, inputNames] of Object.entries(ZERO_GRADIENT_KERNELS)) {
    tf.registerGradient({
      kernelName,
      inputsToSave: [...inputNames],
      gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const gradients: Record<string, () => tf.Tensor> = {};
        inputNames.forEach((name, i) => {
          gradients[name] = () => tf.zeros(saved[i].shape, 'float32');
        });
        return gradients;
      },
    });
  }
}

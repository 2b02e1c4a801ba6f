import * as tf from '@tensorflow/tfjs';

import { GATHER_AT_MAX_POOL_ARGMAX } from './kernels/maxPool';

/**
 * Gradients of the pooling backprop kernels, which double backprop through a
 * pooling layer reaches and tfjs-core 4.22 leaves without one. Both kernels
 * are linear in dy and, for fixed routing, do not depend on the values of x
 * or of the forward output, so those inputs get zero gradients.
 */

/**
 * AvgPoolGrad(dy, x) = Aᵀ dy, where A is the forward average pool, so its
 * gradient with respect to dy is A G = avgPool(G). This is true of the
 * adjoint AvgPoolGrad kernels that installCpuKernels and installWasmKernels
 * register. The stock cpu and wasm kernels of 4.22 are not the adjoint of
 * AvgPool with 'same' padding.
 */
export const avgPoolGradGradient: tf.GradConfig = {
  kernelName: 'AvgPoolGrad',
  inputsToSave: ['input'],
  gradFunc: (inputCotangent, saved, attrs) => {
    const [input] = saved;
    const { filterSize, strides, pad } = attrs as unknown as tf.AvgPoolGradAttrs;
    const cotangent = inputCotangent as tf.Tensor;
    return {
      dy: () => tf.engine().runKernel('AvgPool', { x: cotangent }, { filterSize, strides, pad }) as tf.Tensor,
      input: () => tf.zeros(input.shape, 'float32'),
    };
  },
};

/**
 * MaxPoolGrad(dy, x, y) routes each dy element to the argmax of its window,
 * dx = Rᵀ dy. Its gradient with respect to dy is R G: the cotangent gathered
 * at each window's argmax. On the cpu and wasm backends, installCpuKernels
 * and installWasmKernels register the GatherAtMaxPoolArgmax kernel, which
 * does that in one pass. Elsewhere the argmax comes from the
 * MaxPoolWithArgmax kernel and tf.gather collects the values. Either way the
 * argmax routine is the one MaxPoolGrad uses, so both break ties the same way.
 */
export const maxPoolGradGradient: tf.GradConfig = {
  kernelName: 'MaxPoolGrad',
  inputsToSave: ['input', 'output'],
  gradFunc: (inputCotangent, saved, attrs) => {
    const [input, output] = saved;
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
    const cotangent = inputCotangent as tf.Tensor;
    return {
      dy: () => {
        if (tf.getKernel(GATHER_AT_MAX_POOL_ARGMAX, tf.getBackend()) !== undefined) {
          const poolAttrs = { filterSize, strides, pad, dimRoundingMode } as unknown as tf.NamedAttrMap;
          return tf.engine().runKernel(GATHER_AT_MAX_POOL_ARGMAX, { x: input, values: cotangent }, poolAttrs) as tf.Tensor;
        }
        const argmaxAttrs = { filterSize, strides, pad, dimRoundingMode, includeBatchInIndex: true };
        const [pooled, argmax] = tf
          .engine()
          .runKernel('MaxPoolWithArgmax', { x: input }, argmaxAttrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        pooled.dispose();
        const gathered = tf.gather(tf.reshape(cotangent, [-1]), tf.reshape(argmax, [-1]));
        return tf.reshape(gathered, output.shape);
      },
      input: () => tf.zeros(input.shape, 'float32'),
      output: () => tf.zeros(output.shape, 'float32'),
    };
  },
};

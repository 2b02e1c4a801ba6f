import * as tf from '@tensorflow/tfjs';

/**
 * Gradients of activation backprop kernels that tfjs-core 4.22 leaves
 * without one.
 */

/**
 * EluGrad(dy, y) = dy where y ≥ 0, dy·(y + 1) where y < 0, with y = elu(x) the
 * saved forward output (the cpu kernel's rule). Its gradient is
 * G ↦ (dy: EluGrad(G, y), y: G·dy where y < 0, else 0).
 */
export const eluGradGradient: tf.GradConfig = {
  kernelName: 'EluGrad',
  inputsToSave: ['dy', 'y'],
  gradFunc: (cotangent, saved) => {
    const [dy, y] = saved;
    const incoming = cotangent as tf.Tensor;
    return {
      dy: () => tf.engine().runKernel('EluGrad', { dy: incoming, y }) as tf.Tensor,
      y: () => tf.mul(tf.mul(incoming, dy), tf.cast(tf.less(y, 0), 'float32')),
    };
  },
};

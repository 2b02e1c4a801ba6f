import * as tf from '@tensorflow/tfjs';

import { requireInput, type KernelArguments } from './kernelIo';
import { tensorStorage, withScratch, type TensorStorage } from './tensorStorage';

/**
 * FusedConv2D and _FusedMatMul for the cpu backend. They run the same three
 * steps as the stock kernels of tfjs-backend-cpu 4.22 (product, bias,
 * activation), but each through the kernel registered on the backend. So the
 * replacement Conv2D, BatchMatMul, Add and Relu run, where the stock fused
 * kernels call the stock functions directly. Layers models call these kernels
 * in every forward pass outside a gradient.
 */

/** Applies a fused activation by its kernel; returns `x` itself for 'linear' or none. */
function activate(
  storage: TensorStorage,
  x: tf.TensorInfo,
  activation: string | undefined,
  preluWeights: tf.TensorInfo | undefined,
  leakyreluAlpha: number | undefined,
): tf.TensorInfo {
  switch (activation) {
    case undefined:
    case 'linear':
      return x;
    case 'relu':
      return storage.runKernel('Relu', { x });
    case 'relu6':
      return storage.runKernel('Relu6', { x });
    case 'elu':
      return storage.runKernel('Elu', { x });
    case 'sigmoid':
      return storage.runKernel('Sigmoid', { x });
    case 'leakyrelu':
      return storage.runKernel('LeakyRelu', { x }, { alpha: leakyreluAlpha });
    case 'prelu':
      if (preluWeights === undefined) {
        throw new Error('A fused kernel with the prelu activation was called without preluActivationWeights.');
      }
      return storage.runKernel('Prelu', { x, alpha: preluWeights });
    default:
      throw new Error(`Activation '${activation}' has not been implemented for the fused kernels of the cpu backend.`);
  }
}

/** Adds the bias and applies the activation to `product`, freeing every intermediate result. */
export function addBiasAndActivate(
  storage: TensorStorage,
  product: tf.TensorInfo,
  bias: tf.TensorInfo | undefined,
  activation: string | undefined,
  preluWeights: tf.TensorInfo | undefined,
  leakyreluAlpha: number | undefined,
): tf.TensorInfo {
  return withScratch(storage, (scratch) => {
    scratch.push(product);
    let current = product;
    if (bias !== undefined) {
      current = storage.runKernel('Add', { a: current, b: bias });
      scratch.push(current);
    }
    const activated = activate(storage, current, activation, preluWeights, leakyreluAlpha);
    // The result must outlive the scratch, whether it is a new tensor or an intermediate one.
    const index = scratch.indexOf(activated);
    if (index >= 0) {
      scratch.splice(index, 1);
    }
    return activated;
  });
}

/** FusedConv2D: conv2d(x, filter) + bias, then the activation; channels-first input goes to the stock kernel. */
export function fusedConv2dCpu({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const x = requireInput(inputs, 'x', 'FusedConv2D');
  const filter = requireInput(inputs, 'filter', 'FusedConv2D');
  const { bias, preluActivationWeights } = inputs;
  const { strides, pad, dataFormat, dilations, dimRoundingMode, activation, leakyreluAlpha } = attrs as unknown as tf.FusedConv2DAttrs;
  const storage = tensorStorage(backend);
  if (dataFormat === 'NCHW') {
    return storage.runStockKernel('FusedConv2D', inputs, attrs ?? {});
  }
  const product = storage.runKernel('Conv2D', { x, filter }, { strides, pad, dataFormat, dilations, dimRoundingMode });
  return addBiasAndActivate(storage, product, bias, activation, preluActivationWeights, leakyreluAlpha);
}

/** _FusedMatMul: a·b (with transposes) + bias, then the activation. */
export function fusedMatMulCpu({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const a = requireInput(inputs, 'a', '_FusedMatMul');
  const b = requireInput(inputs, 'b', '_FusedMatMul');
  const { bias, preluActivationWeights } = inputs;
  const { transposeA, transposeB, activation, leakyreluAlpha } = attrs as unknown as tf._FusedMatMulAttrs;
  const storage = tensorStorage(backend);
  const product = storage.runKernel('BatchMatMul', { a, b }, { transposeA, transposeB });
  return addBiasAndActivate(storage, product, bias, activation, preluActivationWeights, leakyreluAlpha);
}

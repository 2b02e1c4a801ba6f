import type * as tf from '@tensorflow/tfjs';

import { avgPoolGrad } from './kernels/avgPoolGrad';
import { batchMatMulWithoutTransposes, fusedMatMulWithoutTransposes } from './kernels/batchMatMul';
import { conv2dBackpropFilter, conv2dBackpropInput } from './kernels/conv2dBackprop';
import { depthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropInput } from './kernels/depthwiseConv2dBackprop';
import { sharedCast, sharedIdentity } from './kernels/identity';
import { GATHER_AT_MAX_POOL_ARGMAX, gatherAtMaxPoolArgmax, maxPoolGrad, maxPoolWithArgmax } from './kernels/maxPool';
import { unsortedSegmentSum } from './kernels/unsortedSegmentSum';
import { replaceKernel } from './kernelRegistration';

/**
 * Kernels registered on the wasm backend (tfjs-backend-wasm 4.22):
 * - the ones it lacks and double backprop of the supported layers needs:
 *   Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter and
 *   DepthwiseConv2dNativeBackpropInput (convolution layers) and
 *   UnsortedSegmentSum (the gradient of an Embedding's gather);
 * - Conv2DBackpropInput, BatchMatMul and _FusedMatMul, so that convolution
 *   backprops and transposed products run on XNNPACK instead of scalar C++
 *   loops (and _FusedMatMul adds a bias correctly when it is batched);
 * - Identity and Cast to the same dtype, which share the input's memory
 *   instead of copying it;
 * - replacements for MaxPoolGrad and MaxPoolWithArgmax, which route a pooling
 *   window whose elements are all negative to its first element, and
 *   GatherAtMaxPoolArgmax for the second-order gradient of MaxPoolGrad;
 * - a replacement for AvgPoolGrad, which is not the adjoint of AvgPool with
 *   'same' padding.
 * The JavaScript parts read and write tensors in the wasm heap in place.
 */
export const WASM_KERNELS: ReadonlyArray<{ kernelName: string; kernelFunc: tf.KernelFunc }> = [
  { kernelName: 'Conv2DBackpropFilter', kernelFunc: conv2dBackpropFilter as tf.KernelFunc },
  { kernelName: 'Conv2DBackpropInput', kernelFunc: conv2dBackpropInput as tf.KernelFunc },
  { kernelName: 'BatchMatMul', kernelFunc: batchMatMulWithoutTransposes as tf.KernelFunc },
  { kernelName: '_FusedMatMul', kernelFunc: fusedMatMulWithoutTransposes as tf.KernelFunc },
  { kernelName: 'Identity', kernelFunc: sharedIdentity as tf.KernelFunc },
  { kernelName: 'Cast', kernelFunc: sharedCast as tf.KernelFunc },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', kernelFunc: depthwiseConv2dNativeBackpropFilter as tf.KernelFunc },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', kernelFunc: depthwiseConv2dNativeBackpropInput as tf.KernelFunc },
  { kernelName: 'UnsortedSegmentSum', kernelFunc: unsortedSegmentSum as tf.KernelFunc },
  { kernelName: 'MaxPoolGrad', kernelFunc: maxPoolGrad as tf.KernelFunc },
  { kernelName: 'MaxPoolWithArgmax', kernelFunc: maxPoolWithArgmax as unknown as tf.KernelFunc },
  { kernelName: GATHER_AT_MAX_POOL_ARGMAX, kernelFunc: gatherAtMaxPoolArgmax as tf.KernelFunc },
  { kernelName: 'AvgPoolGrad', kernelFunc: avgPoolGrad as tf.KernelFunc },
];

/** Registers WASM_KERNELS on the wasm backend. */
export function installWasmKernels(): void {
  for (const { kernelName, kernelFunc } of WASM_KERNELS) {
    replaceKernel(kernelName, 'wasm', kernelFunc);
  }
}

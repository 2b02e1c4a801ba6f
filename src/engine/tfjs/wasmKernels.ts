import type * as tf from '@tensorflow/tfjs';

import { avgPoolGrad } from './kernels/avgPoolGrad';
import { conv2dBackpropFilter } from './kernels/conv2dBackpropFilter';
import { depthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropInput } from './kernels/depthwiseConv2dBackprop';
import { maxPoolGrad, maxPoolWithArgmax } from './kernels/maxPool';
import { unsortedSegmentSum } from './kernels/unsortedSegmentSum';
import { replaceKernel } from './kernelRegistration';

/**
 * JavaScript kernels for the wasm backend (tfjs-backend-wasm 4.22):
 * - the ones it lacks and double backprop of the supported layers needs:
 *   Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter and
 *   DepthwiseConv2dNativeBackpropInput (convolution layers) and
 *   UnsortedSegmentSum (the gradient of an Embedding's gather);
 * - replacements for MaxPoolGrad and MaxPoolWithArgmax, which route a pooling
 *   window whose elements are all negative to its first element;
 * - a replacement for AvgPoolGrad, which is not the adjoint of AvgPool with
 *   'same' padding.
 * They read inputs out of the wasm heap and run in JavaScript.
 */
export const WASM_KERNELS: ReadonlyArray<{ kernelName: string; kernelFunc: tf.KernelFunc }> = [
  { kernelName: 'Conv2DBackpropFilter', kernelFunc: conv2dBackpropFilter as tf.KernelFunc },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', kernelFunc: depthwiseConv2dNativeBackpropFilter as tf.KernelFunc },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', kernelFunc: depthwiseConv2dNativeBackpropInput as tf.KernelFunc },
  { kernelName: 'UnsortedSegmentSum', kernelFunc: unsortedSegmentSum as tf.KernelFunc },
  { kernelName: 'MaxPoolGrad', kernelFunc: maxPoolGrad as tf.KernelFunc },
  { kernelName: 'MaxPoolWithArgmax', kernelFunc: maxPoolWithArgmax as unknown as tf.KernelFunc },
  { kernelName: 'AvgPoolGrad', kernelFunc: avgPoolGrad as tf.KernelFunc },
];

/** Registers WASM_KERNELS on the wasm backend. */
export function installWasmKernels(): void {
  for (const { kernelName, kernelFunc } of WASM_KERNELS) {
    replaceKernel(kernelName, 'wasm', kernelFunc);
  }
}

import type * as tf from '@tensorflow/tfjs';

import { avgPoolGrad } from './kernels/avgPoolGrad';
import { conv2dBackpropFilter } from './kernels/conv2dBackpropFilter';
import { maxPoolGrad, maxPoolWithArgmax } from './kernels/maxPool';
import { unsortedSegmentSum } from './kernels/unsortedSegmentSum';
import { replaceKernel } from './kernelRegistration';

/**
 * Kernels registered over the stock ones of the cpu backend (tfjs-backend-cpu
 * 4.22):
 * - Conv2DBackpropFilter and MaxPoolGrad as flat-array loops; the stock ones
 *   read one element at a time and take most of a CNN gradient's time.
 * - MaxPoolWithArgmax, so that its argmax is computed by the same routine as
 *   MaxPoolGrad's (the second-order gradient of MaxPoolGrad relies on that).
 * - AvgPoolGrad, whose stock version is not the adjoint of AvgPool with
 *   'same' padding.
 * - UnsortedSegmentSum, whose stock version makes one pass over the input per
 *   segment (per embedding row, for an Embedding layer).
 */
export const CPU_KERNELS: ReadonlyArray<{ kernelName: string; kernelFunc: tf.KernelFunc }> = [
  { kernelName: 'Conv2DBackpropFilter', kernelFunc: conv2dBackpropFilter as tf.KernelFunc },
  { kernelName: 'MaxPoolGrad', kernelFunc: maxPoolGrad as tf.KernelFunc },
  { kernelName: 'MaxPoolWithArgmax', kernelFunc: maxPoolWithArgmax as unknown as tf.KernelFunc },
  { kernelName: 'AvgPoolGrad', kernelFunc: avgPoolGrad as tf.KernelFunc },
  { kernelName: 'UnsortedSegmentSum', kernelFunc: unsortedSegmentSum as tf.KernelFunc },
];

/** Registers CPU_KERNELS on the cpu backend. */
export function installCpuKernels(): void {
  for (const { kernelName, kernelFunc } of CPU_KERNELS) {
    replaceKernel(kernelName, 'cpu', kernelFunc);
  }
}

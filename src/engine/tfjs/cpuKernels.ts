import type * as tf from '@tensorflow/tfjs';

import { avgPoolGrad } from './kernels/avgPoolGrad';
import { batchMatMulCpu } from './kernels/batchMatMul';
import { conv2dBackpropFilter, conv2dBackpropInput } from './kernels/conv2dBackprop';
import { conv2dCpu } from './kernels/conv2dCpu';
import { depthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropInput } from './kernels/depthwiseConv2dBackprop';
import { fusedConv2dCpu, fusedMatMulCpu } from './kernels/fusedKernels';
import { addCpu, multiplyCpu, reluCpu, stepCpu, subCpu, sumCpu } from './kernels/elementwiseCpu';
import { GATHER_AT_MAX_POOL_ARGMAX, gatherAtMaxPoolArgmax, maxPoolGrad, maxPoolWithArgmax } from './kernels/maxPool';
import { unsortedSegmentSum } from './kernels/unsortedSegmentSum';
import { replaceKernel } from './kernelRegistration';

/**
 * Kernels registered over the stock ones of the cpu backend (tfjs-backend-cpu
 * 4.22). For speed (bench/hvpThroughput.ts measures each against the stock
 * kernel):
 * - BatchMatMul, Conv2D and both convolution backprops on the
 *   register-blocked JavaScript matrix product of kernels/matrixProduct.ts,
 *   the convolutions through im2col; FusedConv2D and _FusedMatMul so that
 *   forward passes use them too.
 * - Add, Sub, Multiply, Sum, Relu and Step as flat loops for the shapes the
 *   gradients produce (the stock kernels call a function per element and
 *   convert indices to coordinates when broadcasting).
 * - DepthwiseConv2dNativeBackpropFilter, MaxPoolGrad as flat loops; the
 *   stock ones read one element at a time.
 * For correctness:
 * - MaxPoolWithArgmax and GatherAtMaxPoolArgmax, so that every argmax comes
 *   from the routine MaxPoolGrad uses (the second-order gradient of
 *   MaxPoolGrad relies on that).
 * - AvgPoolGrad, whose stock version is not the adjoint of AvgPool with
 *   'same' padding.
 * - DepthwiseConv2dNativeBackpropInput (and the filter kernel above), whose
 *   stock versions ignore dilations.
 * - UnsortedSegmentSum, whose stock version makes one pass over the input per
 *   segment (per embedding row, for an Embedding layer).
 */
export const CPU_KERNELS: ReadonlyArray<{ kernelName: string; kernelFunc: tf.KernelFunc }> = [
  { kernelName: 'Add', kernelFunc: addCpu },
  { kernelName: 'Sub', kernelFunc: subCpu },
  { kernelName: 'Multiply', kernelFunc: multiplyCpu },
  { kernelName: 'Sum', kernelFunc: sumCpu as tf.KernelFunc },
  { kernelName: 'Relu', kernelFunc: reluCpu as tf.KernelFunc },
  { kernelName: 'Step', kernelFunc: stepCpu as tf.KernelFunc },
  { kernelName: 'BatchMatMul', kernelFunc: batchMatMulCpu as tf.KernelFunc },
  { kernelName: 'Conv2D', kernelFunc: conv2dCpu as tf.KernelFunc },
  { kernelName: 'FusedConv2D', kernelFunc: fusedConv2dCpu as tf.KernelFunc },
  { kernelName: '_FusedMatMul', kernelFunc: fusedMatMulCpu as tf.KernelFunc },
  { kernelName: 'Conv2DBackpropFilter', kernelFunc: conv2dBackpropFilter as tf.KernelFunc },
  { kernelName: 'Conv2DBackpropInput', kernelFunc: conv2dBackpropInput as tf.KernelFunc },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', kernelFunc: depthwiseConv2dNativeBackpropFilter as tf.KernelFunc },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', kernelFunc: depthwiseConv2dNativeBackpropInput as tf.KernelFunc },
  { kernelName: 'MaxPoolGrad', kernelFunc: maxPoolGrad as tf.KernelFunc },
  { kernelName: 'MaxPoolWithArgmax', kernelFunc: maxPoolWithArgmax as unknown as tf.KernelFunc },
  { kernelName: GATHER_AT_MAX_POOL_ARGMAX, kernelFunc: gatherAtMaxPoolArgmax as tf.KernelFunc },
  { kernelName: 'AvgPoolGrad', kernelFunc: avgPoolGrad as tf.KernelFunc },
  { kernelName: 'UnsortedSegmentSum', kernelFunc: unsortedSegmentSum as tf.KernelFunc },
];

/** Registers CPU_KERNELS on the cpu backend. */
export function installCpuKernels(): void {
  for (const { kernelName, kernelFunc } of CPU_KERNELS) {
    replaceKernel(kernelName, 'cpu', kernelFunc);
  }
}

import * as tf from '@tensorflow/tfjs';

import { eluGradGradient } from './activationGradients';
import {
  conv2dBackpropFilterGradient,
  depthwiseConv2dNativeBackpropFilterGradient,
  depthwiseConv2dNativeBackpropInputGradient,
} from './convolutionGradients';
import { avgPoolGradGradient, maxPoolGradGradient } from './poolingGradients';

/**
 * Gradients of backprop kernels, which double backprop (a gradient of a
 * gradient) reaches; tfjs-core 4.22 registers none of them.
 */
export const SECOND_ORDER_GRADIENTS: readonly tf.GradConfig[] = [
  conv2dBackpropFilterGradient,
  depthwiseConv2dNativeBackpropFilterGradient,
  depthwiseConv2dNativeBackpropInputGradient,
  avgPoolGradGradient,
  maxPoolGradGradient,
  eluGradGradient,
];

/** Registers SECOND_ORDER_GRADIENTS; registering again replaces them with themselves. */
export function installSecondOrderGradients(): void {
  for (const config of SECOND_ORDER_GRADIENTS) {
    tf.registerGradient(config);
  }
}

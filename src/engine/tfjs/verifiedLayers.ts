import type * as tf from '@tensorflow/tfjs';

/**
 * Layer classes and activations whose exact Hessian-vector products the
 * finite-difference tests of test/engine/tfjs check on the cpu and wasm
 * backends. Other layers may work, but nothing has checked their second
 * derivatives in TensorFlow.js 4.22, so the analysis flags or rejects them.
 */

/** tfjs-layers class names (Layer.getClassName()). */
export const VERIFIED_LAYER_CLASSES: readonly string[] = [
  'InputLayer',
  'Dense',
  'Activation',
  'Conv2D',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'ZeroPadding2D',
  'BatchNormalization',
  'Dropout',
  'LayerNormalization',
  'Embedding',
  'SimpleRNN',
  'LSTM',
  'GRU',
  'Flatten',
  'Reshape',
  'Concatenate',
  'Add',
];

/**
 * Activation names as tfjs-layers serializes them. 'hardSigmoid' is the
 * default recurrent activation of LSTM and GRU in tfjs-layers.
 */
export const VERIFIED_ACTIVATIONS: readonly string[] = [
  'linear',
  'relu',
  'tanh',
  'sigmoid',
  'softmax',
  'elu',
  'selu',
  'gelu',
  'swish',
  'softplus',
  'hardSigmoid',
];

/** True when `className` is one of VERIFIED_LAYER_CLASSES. */
export function isVerifiedLayerClass(className: string): boolean {
  return VERIFIED_LAYER_CLASSES.includes(className);
}

/** A layer whose second derivatives no test has checked. */
export interface UnverifiedLayer {
  layerName: string;
  className: string;
  /** The reason it is not verified, as one sentence. */
  reason: string;
}

const ACTIVATION_KEYS = ['activation', 'recurrentActivation'] as const;

/**
 * Lists the model's layers whose class or activation is not verified. A
 * layer inside a wrapper (TimeDistributed, Bidirectional) is reported as the
 * wrapper, which is not verified.
 */
export function findUnverifiedLayers(model: tf.LayersModel): UnverifiedLayer[] {
  const unverified: UnverifiedLayer[] = [];
  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (!isVerifiedLayerClass(className)) {
      unverified.push({
        layerName: layer.name,
        className,
        reason: `Layer class ${className} has no verified second derivatives.`,
      });
      continue;
    }

    const config = layer.getConfig();
    for (const key of ACTIVATION_KEYS) {
      const activation = config[key];
      if (typeof activation === 'string' && !VERIFIED_ACTIVATIONS.includes(activation)) {
        unverified.push({
          layerName: layer.name,
          className,
          reason: `Activation '${activation}' (${key}) has no verified second derivatives.`,
        });
      }
    }
  }
  return unverified;
}

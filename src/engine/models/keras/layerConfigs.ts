/**
 * Translates the config of one Keras layer (Keras 2 or Keras 3 serialization)
 * into the config that TensorFlow.js 4.22's layer of the same class accepts.
 * Only the layer classes that the engine supports are translated; any other
 * class is rejected with its name.
 */
import { InputError } from '../../errors';
import { isPlainObject } from '../validation';

/** The Keras major version whose semantics a file follows: 2 (Keras 2 and tf.keras) or 3. */
export type KerasMajorVersion = 2 | 3;

/** Arguments of a layer class: kept as they are, or required to hold the value TensorFlow.js implements. */
interface LayerClassSpec {
  /** Config keys that TensorFlow.js reads with the same meaning. */
  keys: readonly string[];
  /** Keys that TensorFlow.js lacks, with the only values under which dropping them changes nothing. */
  requiredValues?: Readonly<Record<string, readonly unknown[]>>;
}

const CONV_KEYS = ['kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'activation', 'use_bias', 'bias_initializer'];
const RNN_KEYS = [
  'units',
  'activation',
  'use_bias',
  'kernel_initializer',
  'recurrent_initializer',
  'bias_initializer',
  'dropout',
  'recurrent_dropout',
  'return_sequences',
  'return_state',
  'go_backwards',
  'stateful',
  'unroll',
];
const NO_QUANTIZATION = { quantization_config: [null], lora_rank: [null, 0] };

/**
 * The layer classes the engine supports (its double backprop is verified for
 * them), with the config keys TensorFlow.js 4.22 reads for each.
 */
const LAYER_CLASSES: Readonly<Record<string, LayerClassSpec>> = {
  InputLayer: { keys: ['batch_input_shape'], requiredValues: { sparse: [false, null], ragged: [false, null], optional: [false, null] } },
  Dense: { keys: ['units', 'activation', 'use_bias', 'kernel_initializer', 'bias_initializer'], requiredValues: NO_QUANTIZATION },
  Activation: { keys: ['activation'] },
  Conv2D: { keys: ['filters', 'kernel_initializer', ...CONV_KEYS], requiredValues: { groups: [1], ...NO_QUANTIZATION } },
  DepthwiseConv2D: { keys: ['depth_multiplier', 'depthwise_initializer', ...CONV_KEYS] },
  SeparableConv2D: { keys: ['filters', 'depth_multiplier', 'depthwise_initializer', 'pointwise_initializer', ...CONV_KEYS] },
  MaxPooling2D: { keys: ['pool_size', 'strides', 'padding', 'data_format'] },
  AveragePooling2D: { keys: ['pool_size', 'strides', 'padding', 'data_format'] },
  GlobalAveragePooling2D: { keys: ['data_format'], requiredValues: { keepdims: [false] } },
  ZeroPadding2D: { keys: ['padding', 'data_format'] },
  BatchNormalization: {
    keys: ['axis', 'momentum', 'epsilon', 'center', 'scale', 'beta_initializer', 'gamma_initializer', 'moving_mean_initializer', 'moving_variance_initializer'],
    requiredValues: { renorm: [false], virtual_batch_size: [null], adjustment: [null] },
  },
  Dropout: { keys: ['rate', 'noise_shape'] },
  LayerNormalization: { keys: ['axis', 'epsilon', 'center', 'scale', 'beta_initializer', 'gamma_initializer'], requiredValues: { rms_scaling: [false] } },
  Embedding: { keys: ['input_dim', 'output_dim', 'embeddings_initializer', 'mask_zero', 'input_length'], requiredValues: { ...NO_QUANTIZATION, sparse: [false] } },
  SimpleRNN: { keys: RNN_KEYS, requiredValues: { time_major: [false] } },
  LSTM: { keys: [...RNN_KEYS, 'recurrent_activation', 'unit_forget_bias', 'implementation'], requiredValues: { time_major: [false] } },
  GRU: { keys: [...RNN_KEYS, 'recurrent_activation', 'implementation'], requiredValues: { time_major: [false], reset_after: [false] } },
  Flatten: { keys: ['data_format'] },
  Reshape: { keys: ['target_shape'] },
  Concatenate: { keys: ['axis'] },
  Add: { keys: [] },
};

/** Keys every layer may carry. `dtype` is rewritten to float32, and Keras 3's `batch_shape` becomes `batch_input_shape`. */
const COMMON_KEYS = ['name', 'trainable', 'dtype', 'batch_input_shape'];

/** Keys that change nothing in inference mode or for the Hessian of the loss, dropped without a note. */
const IGNORED_KEYS = new Set([
  'kernel_constraint',
  'bias_constraint',
  'recurrent_constraint',
  'depthwise_constraint',
  'pointwise_constraint',
  'beta_constraint',
  'gamma_constraint',
  'embeddings_constraint',
  'seed',
  'fused',
  'synchronized',
  'use_cudnn',
  'lora_alpha',
  'build_config',
  // BatchNormalization's batch renormalization, refused through renorm=false.
  'renorm_clipping',
  'renorm_momentum',
]);

/** Regularizers add terms to the training loss, which the engine's loss leaves out. */
const REGULARIZER_KEYS = new Set([
  'kernel_regularizer',
  'bias_regularizer',
  'recurrent_regularizer',
  'activity_regularizer',
  'depthwise_regularizer',
  'pointwise_regularizer',
  'beta_regularizer',
  'gamma_regularizer',
  'embeddings_regularizer',
]);

/**
 * Keras activation names and the TensorFlow.js 4.22 activation that computes
 * the same function. `silu` is Keras 3's name for swish. Keras 2's and
 * TensorFlow.js's `hard_sigmoid` is clip(0.2x + 0.5, 0, 1), but Keras 3's is
 * relu6(x + 3) / 6, so it maps only for Keras 2 files.
 */
const ACTIVATIONS: Readonly<Record<string, string>> = {
  linear: 'linear',
  relu: 'relu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  softmax: 'softmax',
  elu: 'elu',
  selu: 'selu',
  gelu: 'gelu',
  swish: 'swish',
  silu: 'swish',
  softplus: 'softplus',
  softsign: 'softsign',
  relu6: 'relu6',
  mish: 'mish',
  log_softmax: 'log_softmax',
};
const KERAS2_ONLY_ACTIVATIONS: Readonly<Record<string, string>> = { hard_sigmoid: 'hard_sigmoid' };

const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

/** Sorted names of the layer classes the loader translates. */
export function supportedLayerClasses(): string[] {
  return Object.keys(LAYER_CLASSES).sort();
}

/** A Keras layer entry of a model config, as both Keras versions write it. */
export interface KerasLayerEntry {
  className: string;
  name: string;
  config: Record<string, unknown>;
}

/**
 * Returns the TensorFlow.js config of `layer`, adding to `notes` what was
 * dropped that could matter (regularizers, unknown keys, a mixed-precision
 * dtype policy).
 *
 * Throws an InputError naming the layer class, the layer name and `file` for
 * a class outside the supported list, a custom layer or a nested model. It
 * does the same for an argument that TensorFlow.js cannot honour (such as
 * GRU's `reset_after=True` or a quantized Dense) and an unsupported activation.
 */
export function translateLayerConfig(
  file: string,
  layer: KerasLayerEntry,
  registeredName: unknown,
  kerasVersion: KerasMajorVersion,
  notes: string[],
): Record<string, unknown> {
  const spec = layerClassSpec(file, layer, registeredName);
  const translated: Record<string, unknown> = {};
  const unknownKeys: string[] = [];

  for (const [key, value] of Object.entries(layer.config)) {
    if (key === 'dtype') {
      translated.dtype = translateDtype(layer, value, notes);
    } else if (key === 'batch_shape') {
      translated.batch_input_shape = value;
    } else if (key === 'activation' || key === 'recurrent_activation') {
      translated[key] = translateActivation(file, layer, key, value, kerasVersion);
    } else if (key === 'axis' && layer.className === 'BatchNormalization') {
      translated.axis = singleAxis(file, layer, value);
    } else if (COMMON_KEYS.includes(key) || spec.keys.includes(key)) {
      translated[key] = value;
    } else if (spec.requiredValues !== undefined && Object.hasOwn(spec.requiredValues, key)) {
      assertRequiredValue(file, layer, key, value, spec.requiredValues[key]);
    } else if (REGULARIZER_KEYS.has(key)) {
      if (value !== null && value !== undefined) {
        notes.push(`Layer "${layer.name}" has a ${key}, whose penalty is not part of the analysed loss.`);
      }
    } else if (!IGNORED_KEYS.has(key)) {
      unknownKeys.push(key);
    }
  }

  if (unknownKeys.length > 0) {
    notes.push(`Layer "${layer.name}" (${layer.className}): the config keys ${unknownKeys.join(', ')} are unknown to TensorFlow.js 4.22 and were ignored.`);
  }
  translated.name = layer.name;
  return translated;
}

function layerClassSpec(file: string, layer: KerasLayerEntry, registeredName: unknown): LayerClassSpec {
  const where = `Layer "${layer.name}" of class ${layer.className}`;
  if (MODEL_CLASSES.has(layer.className)) {
    throw new InputError(
      file,
      `${where} is a nested model, which the loader does not unpack`,
      'Rebuild the model with the inner model\'s layers inline, save it again and analyze that file',
    );
  }
  const isCustom = typeof registeredName === 'string' && registeredName !== layer.className;
  const spec = Object.hasOwn(LAYER_CLASSES, layer.className) ? LAYER_CLASSES[layer.className] : undefined;
  if (spec === undefined || isCustom) {
    const kind = isCustom ? `a custom layer (registered as "${registeredName}")` : 'not supported by the engine';
    throw new InputError(
      file,
      `${where} is ${kind}. Supported layer classes: ${supportedLayerClasses().join(', ')}`,
      'Replace the layer with a supported one, train and save the model again',
    );
  }
  return spec;
}

/**
 * Returns float32, the dtype every layer computes in here, and notes any other
 * policy. Keras 3 writes the dtype as a DTypePolicy object, tf.keras as a
 * string or a `Policy` object.
 */
function translateDtype(layer: KerasLayerEntry, value: unknown, notes: string[]): string {
  const policy = dtypePolicyName(value);
  if (policy === null || policy === 'float32') {
    return 'float32';
  }
  if (layer.className === 'InputLayer') {
    notes.push(`Input "${layer.name}" takes ${policy} values in Keras. They are fed as float32, which Embedding layers cast back to integers.`);
  } else {
    notes.push(`Layer "${layer.name}" was trained with the dtype policy ${policy} and is analysed in float32.`);
  }
  return 'float32';
}

function dtypePolicyName(value: unknown): string | null {
  if (typeof value === 'string') {
    return value;
  }
  if (isPlainObject(value) && isPlainObject(value.config) && typeof value.config.name === 'string') {
    return value.config.name;
  }
  return null;
}

function translateActivation(
  file: string,
  layer: KerasLayerEntry,
  key: string,
  value: unknown,
  kerasVersion: KerasMajorVersion,
): string {
  const name = activationName(value);
  const translated = name === null ? undefined : ownValue(ACTIVATIONS, name) ?? (kerasVersion === 2 ? ownValue(KERAS2_ONLY_ACTIVATIONS, name) : undefined);
  if (translated !== undefined) {
    return translated;
  }

  const supported = Object.keys(ACTIVATIONS).join(', ');
  const spelled = name === null ? JSON.stringify(value) : `"${name}"`;
  const keras3Note = name === 'hard_sigmoid' ? ' (Keras 3 defines hard_sigmoid as relu6(x + 3) / 6, which TensorFlow.js 4.22 lacks)' : '';
  throw new InputError(
    file,
    `Layer "${layer.name}" of class ${layer.className} uses the ${key} ${spelled}, which TensorFlow.js 4.22 cannot run${keras3Note}. Supported activations: ${supported}`,
    'Use a supported activation, train and save the model again',
  );
}

/**
 * The activation's name: a string, or Keras 3's serialized function
 * `{class_name: "function", config: "relu"}`, or a Keras object whose
 * class_name is the activation.
 */
function activationName(value: unknown): string | null {
  if (value === null || value === undefined) {
    return 'linear';
  }
  if (typeof value === 'string') {
    return value.replace(/^.*\./, '');
  }
  if (isPlainObject(value)) {
    if (typeof value.config === 'string') {
      return activationName(value.config);
    }
    if (typeof value.class_name === 'string' && value.class_name !== 'function') {
      return activationName(value.class_name);
    }
  }
  return null;
}

/** TensorFlow.js's BatchNormalization takes one axis; Keras writes `[3]` or `3`. */
function singleAxis(file: string, layer: KerasLayerEntry, value: unknown): number {
  const axis = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (typeof axis === 'number' && Number.isInteger(axis)) {
    return axis;
  }
  throw new InputError(
    file,
    `Layer "${layer.name}" (BatchNormalization) normalizes over the axes ${JSON.stringify(value)}; TensorFlow.js 4.22 normalizes over one axis only`,
    'Normalize over one axis, train and save the model again',
  );
}

function assertRequiredValue(file: string, layer: KerasLayerEntry, key: string, value: unknown, allowed: readonly unknown[]): void {
  if (allowed.some((candidate) => candidate === value)) {
    return;
  }
  throw new InputError(
    file,
    `Layer "${layer.name}" of class ${layer.className} sets ${key}=${JSON.stringify(value)}; TensorFlow.js 4.22 implements only ${allowed.map((candidate) => JSON.stringify(candidate)).join(' or ')}`,
    `Build the layer with ${key}=${JSON.stringify(allowed[0])}, train and save the model again`,
  );
}

/** Returns `map[key]` when `key` is an own property, so that names such as "constructor" read from a file find nothing. */
function ownValue<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

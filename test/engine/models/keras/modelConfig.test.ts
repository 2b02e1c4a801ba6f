/**
 * Translation of Keras model configs into TensorFlow.js topologies, on
 * configs written here in the serializations of Keras 2 and Keras 3. Every
 * supported layer class must build and run in TensorFlow.js 4.22, and every
 * argument that TensorFlow.js cannot honour must be rejected by name.
 */
import * as assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs';

import { InputError } from '../../../../src/engine/errors';
import { snakeCase } from '../../../../src/engine/models/keras/kerasArchive';
import { supportedLayerClasses } from '../../../../src/engine/models/keras/layerConfigs';
import { translateModelConfig } from '../../../../src/engine/models/keras/modelConfig';
import { buildLayersModel } from '../../../../src/engine/models/tfjsLayers';

const FILE = '/models/synthetic.keras';

/** A layer of a functional graph: class, name, config and the names of the layers it is called on. */
interface GraphLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
  inputs: string[];
}

const KERAS3_POLICY = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };

function keras3Tensor(layerName: string): Record<string, unknown> {
  return { class_name: '__keras_tensor__', config: { shape: [null], dtype: 'float32', keras_history: [layerName, 0, 0] } };
}

/** Writes the graph as a Keras 3 `Functional` config (module, registered_name, DTypePolicy, {args, kwargs} nodes). */
function keras3Functional(layers: GraphLayer[], inputs: string[], output: string): Record<string, unknown> {
  return {
    module: 'keras',
    class_name: 'Functional',
    config: {
      name: 'synthetic',
      trainable: true,
      layers: layers.map((layer) => ({
        module: 'keras.layers',
        class_name: layer.className,
        config: layer.className === 'InputLayer' ? layer.config : { name: layer.name, trainable: true, dtype: KERAS3_POLICY, ...layer.config },
        registered_name: null,
        name: layer.name,
        inbound_nodes:
          layer.inputs.length === 0
            ? []
            : [{ args: [layer.inputs.length === 1 ? keras3Tensor(layer.inputs[0]) : layer.inputs.map(keras3Tensor)], kwargs: { training: false } }],
      })),
      input_layers: inputs.length === 1 ? [inputs[0], 0, 0] : inputs.map((name) => [name, 0, 0]),
      output_layers: [output, 0, 0],
    },
    registered_name: 'Functional',
  };
}

/** Writes the graph as a tf.keras 2 `Model` config (string dtypes, list nodes). */
function keras2Functional(layers: GraphLayer[], inputs: string[], output: string): Record<string, unknown> {
  return {
    class_name: 'Model',
    config: {
      name: 'synthetic',
      layers: layers.map((layer) => ({
        class_name: layer.className,
        name: layer.name,
        config: layer.className === 'InputLayer' ? keras2InputConfig(layer.config) : { name: layer.name, trainable: true, dtype: 'float32', ...layer.config },
        inbound_nodes: layer.inputs.length === 0 ? [] : [layer.inputs.map((name) => [name, 0, 0, {}])],
      })),
      input_layers: inputs.map((name) => [name, 0, 0]),
      output_layers: [[output, 0, 0]],
    },
  };
}

function keras2InputConfig(config: Record<string, unknown>): Record<string, unknown> {
  const { batch_shape: batchShape, ...rest } = config;
  return { ...rest, batch_input_shape: batchShape, dtype: 'float32' };
}

/**
 * Builds one graph with every supported layer class, each activation the
 * engine supports, a merge of two branches and an integer input for Embedding.
 */
function graphWithEverySupportedClass(): { layers: GraphLayer[]; inputs: string[]; output: string } {
  const layers: GraphLayer[] = [];
  const add = (className: string, name: string, config: Record<string, unknown>, inputs: string[]): string => {
    layers.push({ className, name, config, inputs });
    return name;
  };

  const image = add('InputLayer', 'image', { batch_shape: [null, 8, 8, 3], dtype: 'float32', sparse: false, ragged: false, name: 'image' }, []);
  const tokens = add('InputLayer', 'tokens', { batch_shape: [null, 5], dtype: 'int32', sparse: false, name: 'tokens' }, []);

  let x = add('ZeroPadding2D', 'pad', { padding: [[1, 1], [1, 1]], data_format: 'channels_last' }, [image]);
  x = add('Conv2D', 'conv', { filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'relu', use_bias: true, kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null }, kernel_regularizer: null }, [x]);
  x = add('BatchNormalization', 'norm', { axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true, synchronized: false }, [x]);
  x = add('DepthwiseConv2D', 'depthwise', { kernel_size: [3, 3], strides: [1, 1], padding: 'same', depth_multiplier: 1, data_format: 'channels_last', dilation_rate: [1, 1], activation: 'elu', use_bias: true }, [x]);
  x = add('SeparableConv2D', 'separable', { filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'same', depth_multiplier: 1, data_format: 'channels_last', dilation_rate: [1, 1], activation: 'selu', use_bias: true }, [x]);
  x = add('MaxPooling2D', 'max_pool', { pool_size: [2, 2], strides: [2, 2], padding: 'valid', data_format: 'channels_last' }, [x]);
  x = add('AveragePooling2D', 'average_pool', { pool_size: [2, 2], strides: [1, 1], padding: 'same', data_format: 'channels_last' }, [x]);
  x = add('Dropout', 'dropout', { rate: 0.25, noise_shape: null, seed: null }, [x]);
  x = add('LayerNormalization', 'layer_norm', { axis: -1, epsilon: 0.001, center: true, scale: true, rms_scaling: false }, [x]);
  const pooled = add('GlobalAveragePooling2D', 'global_pool', { data_format: 'channels_last', keepdims: false }, [x]);
  const flat = add('Flatten', 'flatten', { data_format: 'channels_last' }, [x]);

  const a = add('Dense', 'dense_gelu', { units: 6, activation: 'gelu', use_bias: true, quantization_config: null }, [pooled]);
  const b = add('Dense', 'dense_swish', { units: 6, activation: 'swish', use_bias: true }, [flat]);
  const sum = add('Add', 'add', {}, [a, b]);
  const softplus = add('Dense', 'dense_softplus', { units: 3, activation: 'softplus', use_bias: true }, [a]);

  const embedded = add('Embedding', 'embedding', { input_dim: 10, output_dim: 3, mask_zero: false }, [tokens]);
  const embeddedFlat = add('Flatten', 'flatten_tokens', { data_format: 'channels_last' }, [embedded]);

  const joined = add('Concatenate', 'concat', { axis: -1 }, [sum, softplus, embeddedFlat]);
  const sequence = add('Reshape', 'reshape', { target_shape: [8, 3] }, [joined]);
  const rnn = add('SimpleRNN', 'simple_rnn', { units: 4, activation: 'tanh', use_bias: true, return_sequences: true, dropout: 0, recurrent_dropout: 0, seed: null }, [sequence]);
  const lstm = add('LSTM', 'lstm', { units: 4, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true, unit_forget_bias: true, return_sequences: true, use_cudnn: 'auto' }, [rnn]);
  const gru = add('GRU', 'gru', { units: 4, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true, reset_after: false }, [lstm]);
  const logits = add('Dense', 'dense_sigmoid', { units: 5, activation: 'sigmoid', use_bias: true }, [gru]);
  const silu = add('Dense', 'dense_silu', { units: 5, activation: 'silu', use_bias: true }, [logits]);
  const tanh = add('Dense', 'dense_tanh', { units: 5, activation: 'tanh', use_bias: true }, [silu]);
  const output = add('Activation', 'softmax', { activation: 'softmax' }, [tanh]);
  return { layers, inputs: [image, tokens], output };
}

async function buildAndRun(topology: Record<string, unknown>): Promise<{ classes: Set<string>; output: number[][] }> {
  const model = await buildLayersModel(FILE, topology);
  try {
    const classes = new Set(model.layers.map((layer) => layer.getClassName()));
    const output = tf.tidy(() => {
      const image = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 1);
      const tokens = tf.tensor([[1, 2, 3, 4, 5], [0, 9, 8, 7, 6]], [2, 5], 'float32');
      return (model.predict([image, tokens]) as tf.Tensor).arraySync() as number[][];
    });
    return { classes, output };
  } finally {
    model.dispose();
  }
}

function translationError(config: unknown, kerasVersion: 2 | 3 = 3): InputError {
  try {
    translateModelConfig(FILE, config, kerasVersion);
  } catch (error) {
    assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
    assert.equal(error.file, FILE);
    return error;
  }
  assert.fail('the config was accepted');
}

/** Writes a Keras 3 Sequential of an InputLayer and the given layer. */
function sequentialWith(className: string, config: Record<string, unknown>, registeredName: string | null = null): Record<string, unknown> {
  return {
    module: 'keras',
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      layers: [
        { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 4, 4, 2], dtype: 'float32', name: 'input' }, registered_name: null },
        { module: 'keras.layers', class_name: className, config: { name: 'probe', trainable: true, dtype: KERAS3_POLICY, ...config }, registered_name: registeredName },
      ],
    },
  };
}

describe('translateModelConfig', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  describe('every supported layer class', () => {
    const graph = graphWithEverySupportedClass();

    it('graph covers the supported list', () => {
      const used = new Set(graph.layers.map((layer) => layer.className));
      assert.deepEqual([...used].sort(), supportedLayerClasses());
    });

    for (const [label, config, version] of [
      ['Keras 3 serialization', keras3Functional(graph.layers, graph.inputs, graph.output), 3],
      ['Keras 2 serialization', keras2Functional(graph.layers, graph.inputs, graph.output), 2],
    ] as const) {
      it(`builds and runs from ${label}`, async () => {
        const translated = translateModelConfig(FILE, config, version);
        const { classes, output } = await buildAndRun(translated.topology);

        assert.deepEqual([...classes].sort(), supportedLayerClasses());
        assert.equal(output.length, 2);
        for (const row of output) {
          assert.equal(row.length, 5);
          assert.ok(row.every(Number.isFinite));
          assert.ok(Math.abs(row.reduce((sum, value) => sum + value, 0) - 1) < 1e-5, 'softmax rows sum to 1');
        }
      });
    }

    it('notes the integer input', () => {
      const translated = translateModelConfig(FILE, keras3Functional(graph.layers, graph.inputs, graph.output), 3);
      assert.ok(translated.notes.some((note) => /Input "tokens" takes int32 values/.test(note)), translated.notes.join('\n'));
    });

    it('keeps layer order for weight paths', () => {
      const translated = translateModelConfig(FILE, keras3Functional(graph.layers, graph.inputs, graph.output), 3);
      assert.deepEqual(
        translated.layers.map((layer) => layer.name),
        graph.layers.map((layer) => layer.name),
      );
      assert.equal(translated.isSequential, false);
    });
  });

  describe('refused configs', () => {
    it('unsupported class names class, layer and file', () => {
      const error = translationError(sequentialWith('Conv1D', { filters: 2, kernel_size: [3] }));
      assert.match(error.problem, /Layer "probe" of class Conv1D is not supported by the engine/);
      assert.match(error.problem, /Supported layer classes: Activation, Add, AveragePooling2D/);
      assert.match(error.message, /^\/models\/synthetic\.keras: /);
    });

    it('custom registered layer', () => {
      const error = translationError(sequentialWith('Dense', { units: 2 }, 'my_package>Dense'));
      assert.match(error.problem, /custom layer \(registered as "my_package>Dense"\)/);
    });

    it('nested model', () => {
      const error = translationError(sequentialWith('Sequential', { layers: [] }));
      assert.match(error.problem, /Layer "probe" of class Sequential is a nested model/);
    });

    it('subclassed model', () => {
      const error = translationError({ class_name: 'MyModel', config: {} });
      assert.match(error.problem, /subclassed model/);
    });

    it('GRU with reset_after', () => {
      const error = translationError(sequentialWith('GRU', { units: 3, reset_after: true }));
      assert.match(error.problem, /GRU sets reset_after=true; TensorFlow\.js 4\.22 implements only false/);
    });

    it('quantized Dense', () => {
      const error = translationError(sequentialWith('Dense', { units: 2, quantization_config: { mode: 'int8' } }));
      assert.match(error.problem, /quantization_config/);
    });

    it('grouped convolution', () => {
      const error = translationError(sequentialWith('Conv2D', { filters: 2, kernel_size: [1, 1], groups: 2 }));
      assert.match(error.problem, /groups=2/);
    });

    it('activation TensorFlow.js lacks', () => {
      const error = translationError(sequentialWith('Dense', { units: 2, activation: 'leaky_relu' }));
      assert.match(error.problem, /uses the activation "leaky_relu", which TensorFlow\.js 4\.22 cannot run/);
      assert.match(error.problem, /Supported activations: linear, relu/);
    });

    it('Keras 3 hard_sigmoid', () => {
      const error = translationError(sequentialWith('Dense', { units: 2, activation: 'hard_sigmoid' }), 3);
      assert.match(error.problem, /relu6\(x \+ 3\) \/ 6/);
    });

    it('BatchNormalization over two axes', () => {
      const error = translationError(sequentialWith('BatchNormalization', { axis: [1, 2] }));
      assert.match(error.problem, /normalizes over the axes \[1,2\]/);
    });

    it('duplicate layer names', () => {
      const config = sequentialWith('Dense', { units: 2 });
      const layers = (config.config as { layers: Record<string, unknown>[] }).layers;
      layers.push(structuredClone(layers[1]));
      const error = translationError(config);
      assert.match(error.problem, /Two layers of the model config are named "probe"/);
    });

    it('config without class_name', () => {
      const error = translationError({ config: { layers: [] } });
      assert.match(error.problem, /no class_name/);
    });

    // Names that exist on every object's prototype must not count as supported.
    for (const name of ['toString', 'constructor', '__proto__']) {
      it(`layer class named ${name}`, () => {
        const error = translationError(sequentialWith(name, {}));
        assert.match(error.problem, new RegExp(`Layer "probe" of class ${name} is not supported by the engine`));
      });

      it(`activation named ${name}`, () => {
        const error = translationError(sequentialWith('Dense', { units: 2, activation: name }));
        assert.match(error.problem, new RegExp(`uses the activation "${name}", which TensorFlow\\.js 4\\.22 cannot run`));
      });
    }
  });

  describe('accepted variants', () => {
    it('Keras 2 hard_sigmoid maps', () => {
      const translated = translateModelConfig(FILE, sequentialWith('Dense', { units: 2, activation: 'hard_sigmoid' }), 2);
      const layers = (translated.topology.config as { layers: { config: Record<string, unknown> }[] }).layers;
      assert.equal(layers[1].config.activation, 'hard_sigmoid');
    });

    it('silu becomes swish', () => {
      const translated = translateModelConfig(FILE, sequentialWith('Dense', { units: 2, activation: 'silu' }), 3);
      const layers = (translated.topology.config as { layers: { config: Record<string, unknown> }[] }).layers;
      assert.equal(layers[1].config.activation, 'swish');
    });

    it('BatchNormalization axis list', () => {
      const translated = translateModelConfig(FILE, sequentialWith('BatchNormalization', { axis: [3] }), 2);
      const layers = (translated.topology.config as { layers: { config: Record<string, unknown> }[] }).layers;
      assert.equal(layers[1].config.axis, 3);
    });

    it('config keys named like Object methods', () => {
      const config = sequentialWith('Dense', { units: 2 });
      const layers = (config.config as { layers: { config: Record<string, unknown> }[] }).layers;
      // JSON.parse makes "constructor" and "toString" own keys, as a hostile file would.
      Object.assign(layers[1].config, JSON.parse('{"constructor": 1, "toString": 2}'));

      const translated = translateModelConfig(FILE, config, 3);

      assert.ok(
        translated.notes.some((note) => /the config keys constructor, toString are unknown/.test(note)),
        translated.notes.join('\n'),
      );
    });

    it('notes regularizers, policies, unknown keys', () => {
      const translated = translateModelConfig(
        FILE,
        sequentialWith('Dense', {
          units: 2,
          kernel_regularizer: { module: 'keras.regularizers', class_name: 'L2', config: { l2: 0.01 } },
          dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'mixed_float16' } },
          future_option: 7,
        }),
        3,
      );
      assert.equal(translated.notes.length, 3, translated.notes.join('\n'));
      assert.match(translated.notes.join('\n'), /has a kernel_regularizer, whose penalty is not part of the analysed loss/);
      assert.match(translated.notes.join('\n'), /dtype policy mixed_float16 and is analysed in float32/);
      assert.match(translated.notes.join('\n'), /config keys future_option are unknown/);
      const layers = (translated.topology.config as { layers: { config: Record<string, unknown> }[] }).layers;
      assert.equal(layers[1].config.dtype, 'float32');
      assert.equal('future_option' in layers[1].config, false);
    });

    it('Sequential build_input_shape', async () => {
      const config = {
        class_name: 'Sequential',
        config: {
          name: 'sequential',
          layers: [{ class_name: 'Dense', config: { name: 'only', units: 3, activation: 'relu' } }],
          build_input_shape: [null, 7],
        },
      };
      const translated = translateModelConfig(FILE, config, 3);
      const model = await buildLayersModel(FILE, translated.topology);
      assert.deepEqual(model.inputs[0].shape, [null, 7]);
      model.dispose();
    });

    it('old Sequential list', async () => {
      const config = { class_name: 'Sequential', config: [{ class_name: 'Dense', config: { name: 'only', units: 3, batch_input_shape: [null, 2] } }] };
      const translated = translateModelConfig(FILE, config, 2);
      const model = await buildLayersModel(FILE, translated.topology);
      assert.equal(model.countParams(), 9);
      model.dispose();
    });
  });

  describe('snakeCase', () => {
    const expected: Record<string, string> = {
      Dense: 'dense',
      Conv2D: 'conv2d',
      MaxPooling2D: 'max_pooling2d',
      GlobalAveragePooling2D: 'global_average_pooling2d',
      DepthwiseConv2D: 'depthwise_conv2d',
      SeparableConv2D: 'separable_conv2d',
      ZeroPadding2D: 'zero_padding2d',
      BatchNormalization: 'batch_normalization',
      LayerNormalization: 'layer_normalization',
      SimpleRNN: 'simple_rnn',
      LSTM: 'lstm',
      GRU: 'gru',
      InputLayer: 'input_layer',
    };
    for (const [className, groupName] of Object.entries(expected)) {
      it(`${className} → ${groupName}`, () => {
        assert.equal(snakeCase(className), groupName);
      });
    }
  });
});

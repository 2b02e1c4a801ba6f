/**
 * The workspace that the Hessian Spectrum scenarios open, written into a
 * temporary folder from the real models and data (Apache-2.0 and MIT files,
 * copied only there, never into the repository) and the repository's shipped
 * example.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Hdf5Reader } from '../../../src/engine/models/keras/hdf5';
import { REPO_ROOT } from '../harness/environment';
import { realFile } from '../../realFiles';

/** Workspace paths, relative to the workspace folder with "/" separators. */
export const WORKSPACE_FILES = {
  untrainedModel: 'untrained/mnist.json',
  /** Sidecar that the dataset-link dialog writes for the untrained model. */
  untrainedSidecar: 'untrained/mnist.hessian.json',
  inputs: 'data/x.npy',
  labels: 'data/y.npy',
  /** The repository's shipped example: the trained LeNet with its sidecar and the MNIST sample. */
  exampleModel: 'examples/lenet/mnist.json',
  kerasModel: 'keras/mnist.h5',
  kerasScript: 'keras/train.py',
  /** A trained LeNet whose model.json the scenario truncates; its sidecar links the data. */
  damagedModel: 'damaged/model.json',
  settings: '.vscode/settings.json',
  /**
   * The shipped abalone MLP without its sidecar, so that linking its CSV
   * requests the order of the text column sex. Its own name keeps Quick Open from
   * matching it for damaged/model.json.
   */
  abaloneModel: 'abalone/abalone.json',
  abaloneSidecar: 'abalone/abalone.hessian.json',
} as const;

/** Order of the abalone CSV's sex column that the model was trained with; the file's first rows read M, M, F. */
export const ABALONE_SEX_ORDER = ['F', 'M', 'I'];

/** Loss of the LeNet files, which record no training configuration. */
export const LENET_LOSS = 'sparse_categorical_crossentropy';

/**
 * Learning rate of the Keras training script. Plain gradient descent is stable
 * only below 2/λmax, so with the λmax of about 15 that the Keras LeNet has on
 * this sample, 0.5 is above the limit and the script's learning-rate line gets
 * a diagnostic. The scenario checks the inequality with the measured λmax.
 */
export const SCRIPT_LEARNING_RATE = 0.5;

/**
 * Workspace settings that keep each analysis to seconds: 64 samples and short
 * Lanczos runs. The sharp-minimum threshold is above the λmax of every single
 * layer of the three models (at most about 30) and below the λmax of the
 * trained LeNet (60 to 80 on 64 samples). So the trained LeNet gets a
 * sharp-minimum diagnostic and no layer does.
 */
export const ANALYSIS_SETTINGS: Record<string, unknown> = {
  'hessianSpectrum.samples': 64,
  'hessianSpectrum.topK': 3,
  'hessianSpectrum.lanczosSteps': 20,
  'hessianSpectrum.densitySteps': 20,
  'hessianSpectrum.densityRuns': 2,
  'hessianSpectrum.traceProbes': 12,
  'hessianSpectrum.slicePoints': 7,
  'hessianSpectrum.seed': 0,
  'hessianSpectrum.diagnostics.sharpMinimumThreshold': 40,
};

/** A layer of the Keras model as its model_config records it. */
export interface KerasLayer {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** 1-based line of the layer in the training script. */
  scriptLine: number;
  /** Whether the layer has weights, so that the report has a row for it. */
  hasWeights: boolean;
}

export interface ExtensionWorkspace {
  root: string;
  kerasLayers: KerasLayer[];
  /** 1-based line of `learning_rate=` in the training script. */
  learningRateLine: number;
  /** Text of the complete damaged model.json, which the scenario writes back to repair the file. */
  damagedModelText: string;
  /** Absolute path of a workspace file given by its relative path. */
  file(relativePath: string): string;
}

/** Writes the workspace into the empty folder `root` and returns its layout. */
export function writeExtensionWorkspace(root: string): ExtensionWorkspace {
  const file = (relativePath: string): string => path.join(root, ...relativePath.split('/'));
  const copy = (source: string, relativePath: string): void => {
    fs.mkdirSync(path.dirname(file(relativePath)), { recursive: true });
    fs.copyFileSync(source, file(relativePath));
  };
  const write = (relativePath: string, text: string): void => {
    fs.mkdirSync(path.dirname(file(relativePath)), { recursive: true });
    fs.writeFileSync(file(relativePath), text);
  };

  copy(realFile('data', 'mnist-1k', 'x.npy'), WORKSPACE_FILES.inputs);
  copy(realFile('data', 'mnist-1k', 'y.npy'), WORKSPACE_FILES.labels);

  // The untrained LeNet has no sidecar, so analysing it opens the dataset-link dialog.
  copy(realFile('models', 'tensorspace-tfjs-lenet-UNTRAINED', 'mnist.json'), WORKSPACE_FILES.untrainedModel);
  copy(realFile('models', 'tensorspace-tfjs-lenet-UNTRAINED', 'mnist.weights.bin'), 'untrained/mnist.weights.bin');

  for (const name of ['mnist.json', 'mnist.weights.bin', 'mnist.hessian.json']) {
    copy(path.join(REPO_ROOT, 'examples', 'lenet', name), `examples/lenet/${name}`);
  }
  copy(path.join(REPO_ROOT, 'examples', 'mnist-1k', 'mnist-1k.npz'), 'examples/mnist-1k/mnist-1k.npz');

  // The Keras file records its loss, so its sidecar names the data only.
  copy(realFile('models', 'tensorspace-keras-h5', 'mnist.h5'), WORKSPACE_FILES.kerasModel);
  write('keras/mnist.hessian.json', JSON.stringify({ data: '../data/x.npy', labels: '../data/y.npy' }, null, 2));
  const layout = extensionWorkspaceLayout(root);
  write(WORKSPACE_FILES.kerasScript, layout.kerasScriptText);

  // The damaged model starts truncated at a third of its JSON text, as an interrupted export leaves it.
  write(WORKSPACE_FILES.damagedModel, layout.damagedModelText.slice(0, Math.floor(layout.damagedModelText.length / 3)));
  copy(realFile('models', 'tensorspace-lenet-trained', 'mnist.weights.bin'), 'damaged/mnist.weights.bin');
  write('damaged/model.hessian.json', JSON.stringify({ data: '../data/x.npy', labels: '../data/y.npy', loss: LENET_LOSS }, null, 2));

  copy(path.join(REPO_ROOT, 'examples', 'abalone', 'model.json'), WORKSPACE_FILES.abaloneModel);
  for (const name of ['weights.bin', 'abalone.csv']) {
    copy(path.join(REPO_ROOT, 'examples', 'abalone', name), `abalone/${name}`);
  }

  write(WORKSPACE_FILES.settings, JSON.stringify(ANALYSIS_SETTINGS, null, 2));
  return layout;
}

/**
 * Returns the layout of the workspace that writeExtensionWorkspace writes into
 * `root`, without writing anything, from the real files it copies: the
 * runner that checks the scenarios may be another process than the one that
 * wrote the workspace.
 */
export function extensionWorkspaceLayout(root: string): ExtensionWorkspace & { kerasScriptText: string } {
  const file = (relativePath: string): string => path.join(root, ...relativePath.split('/'));
  const script = trainingScript(readKerasLayers(realFile('models', 'tensorspace-keras-h5', 'mnist.h5')));
  const damagedModelText = fs.readFileSync(realFile('models', 'tensorspace-lenet-trained', 'mnist.json'), 'utf8');
  return { root, kerasLayers: script.layers, learningRateLine: script.learningRateLine, damagedModelText, kerasScriptText: script.text, file };
}

/**
 * Reads the layers of a Keras 2 .h5 model from its `model_config` attribute,
 * with the engine's HDF5 reader. A layer has weights when its group under
 * `model_weights` lists weight names.
 */
export function readKerasLayers(h5File: string): Omit<KerasLayer, 'scriptLine'>[] {
  const reader = new Hdf5Reader(h5File, fs.readFileSync(h5File));
  const configText = reader.stringAttribute('/', 'model_config');
  if (configText === undefined) {
    throw new Error(`${h5File} has no model_config attribute, so it is not a full Keras model`);
  }
  const modelConfig = JSON.parse(configText) as { config: unknown };
  // A Sequential model of Keras 2.2 stores the list of layers as its config; later versions nest it under `layers`.
  const entries = (Array.isArray(modelConfig.config) ? modelConfig.config : (modelConfig.config as { layers: unknown[] }).layers) as {
    class_name: string;
    config: Record<string, unknown>;
  }[];
  return entries.map((entry) => {
    const name = String(entry.config.name);
    const weightNames = reader.has(`/model_weights/${name}`) ? (reader.stringListAttribute(`/model_weights/${name}`, 'weight_names') ?? []) : [];
    return { name, className: entry.class_name, config: entry.config, hasWeights: weightNames.length > 0 };
  });
}

/**
 * Writes a Keras training script that builds the model with the saved layer
 * names (one layer per line) and compiles it with plain SGD at
 * SCRIPT_LEARNING_RATE.
 */
function trainingScript(layers: Omit<KerasLayer, 'scriptLine'>[]): { text: string; layers: KerasLayer[]; learningRateLine: number } {
  const lines = [
    '"""Train LeNet-5 on MNIST; the layer names match the saved keras/mnist.h5."""',
    'from tensorflow import keras',
    'from tensorflow.keras import layers',
    '',
    'model = keras.Sequential([',
  ];
  const placed: KerasLayer[] = [];
  for (const layer of layers) {
    const call = layerCall(layer);
    if (call === null) {
      continue;
    }
    lines.push(`    ${call},`);
    placed.push({ ...layer, scriptLine: lines.length });
  }
  lines.push('])', '');
  lines.push(`optimizer = keras.optimizers.SGD(learning_rate=${SCRIPT_LEARNING_RATE})`);
  const learningRateLine = lines.length;
  lines.push('model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])', '');
  return { text: lines.join('\n'), layers: placed, learningRateLine };
}

/** Python call that creates `layer`, or null for the input layer, which Sequential adds itself. */
function layerCall(layer: Omit<KerasLayer, 'scriptLine'>): string | null {
  const { config } = layer;
  const name = `name=${JSON.stringify(layer.name)}`;
  const tuple = (value: unknown): string => `(${(value as number[]).join(', ')})`;
  switch (layer.className) {
    case 'InputLayer':
      return null;
    case 'Reshape':
      return `layers.Reshape(${tuple(config.target_shape)}, ${name})`;
    case 'Conv2D':
      return `layers.Conv2D(${String(config.filters)}, ${tuple(config.kernel_size)}, activation=${JSON.stringify(config.activation)}, ${name})`;
    case 'MaxPooling2D':
      return `layers.MaxPooling2D(${tuple(config.pool_size)}, ${name})`;
    case 'Dense':
      return `layers.Dense(${String(config.units)}, activation=${JSON.stringify(config.activation)}, ${name})`;
    default:
      return `layers.${layer.className}(${name})`;
  }
}

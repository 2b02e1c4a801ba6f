/**
 * A temporary workspace for the server tests, built from the real LeNet models
 * and MNIST sample (Apache-2.0 and MIT files, copied into the temporary folder
 * only, never into the repository).
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { realFile } from '../realFiles';

export interface WorkspaceFixture {
  root: string;
  /** Storage folder passed as the extension's workspace storage; outside `root`. */
  storage: string;
  trainedModel: string;
  trainedWeights: string;
  untrainedModel: string;
  /** A LeNet copy whose weight file is cut in half. */
  truncatedModel: string;
  truncatedWeights: string;
  /** A model.json whose JSON text ends in the middle. */
  brokenModel: string;
  /** A model with no sidecar. */
  unlinkedModel: string;
  pythonScript: string;
  typeScriptScript: string;
  csvData: string;
  remove(): void;
}

/** Loss of the LeNet files, which record no training configuration. */
const LOSS = 'sparse_categorical_crossentropy';

export function createWorkspace(): WorkspaceFixture {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'hessian-lsp-'));
  const root = path.join(base, 'workspace');
  const storage = path.join(base, 'storage');
  const folder = (name: string): string => {
    const created = path.join(root, name);
    fs.mkdirSync(created, { recursive: true });
    return created;
  };

  const data = folder('data');
  fs.copyFileSync(realFile('data', 'mnist-1k', 'x.npy'), path.join(data, 'x.npy'));
  fs.copyFileSync(realFile('data', 'mnist-1k', 'y.npy'), path.join(data, 'y.npy'));
  const csvData = path.join(data, 'table.csv');
  fs.writeFileSync(csvData, 'width,"height, cm",label\n1,2,0\n3,4,1\n');
  // Tool configuration that a project keeps beside its data; the dataset dialog must not offer it.
  fs.writeFileSync(path.join(root, 'package.json'), '{"name": "fixture", "version": "1.0.0"}\n');
  fs.writeFileSync(path.join(data, 'tsconfig.build.json'), '{"compilerOptions": {"strict": true}}\n');

  const sidecar = { data: '../data/x.npy', labels: '../data/y.npy', loss: LOSS };
  const copyModel = (source: string, name: string, prettyPrint: boolean): { model: string; weights: string } => {
    const target = folder(name);
    const model = path.join(target, 'mnist.json');
    const text = fs.readFileSync(realFile('models', source, 'mnist.json'), 'utf8');
    fs.writeFileSync(model, prettyPrint ? `${JSON.stringify(JSON.parse(text), null, 2)}\n` : text);
    const weights = path.join(target, 'mnist.weights.bin');
    fs.copyFileSync(realFile('models', source, 'mnist.weights.bin'), weights);
    fs.writeFileSync(path.join(target, 'mnist.hessian.json'), JSON.stringify(sidecar));
    return { model, weights };
  };

  // The trained copy is pretty-printed, so that each layer sits on a line of its own.
  const trained = copyModel('tensorspace-lenet-trained', 'trained', true);
  const untrained = copyModel('tensorspace-tfjs-lenet-UNTRAINED', 'untrained', false);
  const truncated = copyModel('tensorspace-lenet-trained', 'truncated', false);
  const weightBytes = fs.readFileSync(truncated.weights);
  fs.writeFileSync(truncated.weights, weightBytes.subarray(0, Math.floor(weightBytes.length / 2)));

  const brokenFolder = folder('broken');
  const brokenModel = path.join(brokenFolder, 'model.json');
  const trainedText = fs.readFileSync(trained.model, 'utf8');
  fs.writeFileSync(brokenModel, trainedText.slice(0, Math.floor(trainedText.length / 3)));
  fs.writeFileSync(path.join(brokenFolder, 'model.hessian.json'), JSON.stringify(sidecar));

  const unlinkedFolder = folder('unlinked');
  const unlinkedModel = path.join(unlinkedFolder, 'lenet.json');
  fs.copyFileSync(realFile('models', 'tensorspace-lenet-trained', 'mnist.json'), unlinkedModel);
  fs.copyFileSync(realFile('models', 'tensorspace-lenet-trained', 'mnist.weights.bin'), path.join(unlinkedFolder, 'mnist.weights.bin'));

  const scripts = folder('scripts');
  const pythonScript = path.join(scripts, 'train.py');
  fs.writeFileSync(
    pythonScript,
    [
      'from tensorflow import keras',
      '',
      'model = keras.Sequential([',
      '    keras.layers.Dense(120, activation="relu", name="dense_Dense1"),',
      "    keras.layers.Dense(84, activation='relu', name='not_a_layer_of_any_model'),",
      '])',
      '# learning_rate=123 in a comment is not a setting',
      'optimizer = keras.optimizers.SGD(learning_rate=5.0)',
      '',
    ].join('\n'),
  );
  const typeScriptScript = path.join(scripts, 'train.ts');
  fs.writeFileSync(
    typeScriptScript,
    [
      "import * as tf from '@tensorflow/tfjs';",
      '',
      "const output = tf.layers.dense({ units: 10, activation: 'softmax', name: 'dense_Dense3' });",
      'const optimizer = tf.train.sgd(0.01);',
      'const config = { learningRate: 0.0001 };',
      '',
    ].join('\n'),
  );

  return {
    root,
    storage,
    trainedModel: trained.model,
    trainedWeights: trained.weights,
    untrainedModel: untrained.model,
    truncatedModel: truncated.model,
    truncatedWeights: truncated.weights,
    brokenModel,
    unlinkedModel,
    pythonScript,
    typeScriptScript,
    csvData,
    remove: () => fs.rmSync(base, { recursive: true, force: true }),
  };
}

/**
 * Small analysis settings, so that one LeNet analysis takes seconds: 64
 * samples, a few Lanczos steps and probes.
 */
export const SMALL_SETTINGS = {
  samples: 64,
  batchSize: 64,
  topK: 2,
  lanczosSteps: 10,
  densityRuns: 1,
  densitySteps: 10,
  traceProbes: 4,
  slicePoints: 0,
  seed: 0,
  backend: 'auto',
  diagnostics: { sharpMinimumThreshold: 1000, negativeCurvatureTolerance: 0.05, negativeMassThreshold: 0.05, chanceAccuracyMargin: 0.05 },
};

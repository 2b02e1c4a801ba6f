import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';

import { analyzeModel } from '../../src/engine/analyze';
import { loadModel } from '../../src/engine/models/loadModel';
import type { AnalysisSettings } from '../../src/engine/report';
import { installGradientFixes, selectBackend } from '../../src/engine/tfjs';
import { makeTemporaryFolder, saveLayersModel } from './analysisFixtures';
import { realFile } from '../realFiles';

/**
 * A Keras 2 file and a TensorFlow.js conversion of the same network must give
 * the same report. No converter output of a Keras file in the shared folder
 * exists, so the conversion is TensorFlow.js's own serializer applied to the
 * model the Keras loader built: this checks that the two loading paths end in
 * the same analysis (weights, loss, learning rate), not the Keras mapping
 * itself, which the accuracy tests of the Keras loader cover.
 */
describe('Keras file and its TensorFlow.js conversion', function () {
  const settings: Partial<AnalysisSettings> = {
    samples: 64,
    batchSize: 64,
    topK: 2,
    lanczosSteps: 20,
    densityRuns: 1,
    densitySteps: 20,
    traceProbes: 8,
    slicePoints: 0,
    perLayer: true,
    workers: 1,
  };
  const data = { path: realFile('data', 'mnist-1k', 'mnist-1k.npz') };
  let folder: string;

  before(async () => {
    await selectBackend('wasm');
    installGradientFixes();
    folder = makeTemporaryFolder('hessian-keras-tfjs-');
  });

  after(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('reports agree', async () => {
    const kerasFile = realFile('models', 'tensorspace-keras-h5', 'mnist.h5');
    const loaded = await loadModel(kerasFile);
    const converted = await saveLayersModel(loaded.model, folder, 'converted', {
      loss: 'sparse_categorical_crossentropy',
      optimizer_config: { class_name: 'Adam', config: { learning_rate: loaded.training.learningRate } },
    });
    loaded.model.dispose();

    const fromKeras = await analyzeModel({ modelPath: kerasFile, data, backend: 'wasm', settings });
    const fromTfjs = await analyzeModel({ modelPath: converted, data, backend: 'wasm', settings });

    assert.equal(fromKeras.model.format, 'keras-h5');
    assert.equal(fromTfjs.model.format, 'tfjs-layers');
    assert.equal(fromKeras.model.numParameters, fromTfjs.model.numParameters);
    assert.equal(fromKeras.loss, fromTfjs.loss);
    assert.equal(fromKeras.lossValue, fromTfjs.lossValue);
    assert.equal(fromKeras.accuracy, fromTfjs.accuracy);
    assert.equal(fromKeras.learningRate.value, fromTfjs.learningRate.value);
    assert.deepEqual(fromKeras.eigenvalues.top, fromTfjs.eigenvalues.top);
    assert.deepEqual(fromKeras.eigenvalues.bottom, fromTfjs.eigenvalues.bottom);
    assert.equal(fromKeras.trace.estimate, fromTfjs.trace.estimate);
    assert.deepEqual(
      fromKeras.layers.map((layer) => [layer.name, layer.lambdaMax]),
      fromTfjs.layers.map((layer) => [layer.name, layer.lambdaMax]),
    );
  });
});

import * as assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs';

import { InputError, UsageError } from '../../../src/engine/errors';
import { listOutputNames, listTrainableLayers, loadModel, selectOutput } from '../../../src/engine/models/loadModel';
import type { LoadedModel } from '../../../src/engine/models/types';
import { realFile } from '../../realFiles';
import { expectInputError } from './fixtures';

describe('loadModel', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('loads a tfjs layers model', async () => {
    const file = realFile('models', 'tfjs-examples-abalone', 'model.json');

    const loaded = await loadModel(file);
    try {
      assert.equal(loaded.format, 'tfjs-layers');
      assert.equal(loaded.path, file);
      assert.equal(loaded.model.countParams(), 3051);
    } finally {
      loaded.model.dispose();
    }
  });

  it('sends HDF5 content to the Keras loader', async () => {
    // The file is named .keras but contains HDF5. Whichever Keras loader is in
    // place, it must load the file as keras-h5 or reject it as a Keras file.
    // The tfjs loader would reject it as invalid JSON instead.
    const file = realFile('models', 'keras-k2arm-mid-keras2-hdf5-named-keras', 'model.keras');
    let loaded: LoadedModel | null = null;
    try {
      loaded = await loadModel(file);
    } catch (error) {
      assert.ok(error instanceof InputError, String(error));
      assert.match(error.message, /Keras/);
      assert.doesNotMatch(error.message, /JSON/);
    }
    if (loaded !== null) {
      assert.equal(loaded.format, 'keras-h5');
      loaded.model.dispose();
    }
  });

  it('rejects a graph model', async () => {
    const file = realFile('models', 'tfjs-examples-prefetch-graphmodel', 'model.json');

    const error = await expectInputError(loadModel(file), file);

    assert.match(error.problem, /graph model/);
  });
});

describe('selectOutput and listTrainableLayers', () => {
  const file = realFile('models', 'tensorspace-lenet-trained', 'mnist.json');
  let loaded: LoadedModel;

  before(async () => {
    await tf.setBackend('cpu');
    loaded = await loadModel(file);
  });

  after(() => {
    loaded.model.dispose();
  });

  it('lists the output names in order', () => {
    const names = listOutputNames(loaded.model);
    assert.equal(names.length, 8);
    assert.equal(names[0], 'zero_padding2d_ZeroPadding2D1');
    assert.equal(names[7], 'dense_Dense3');
  });

  it('defaults to the last output', () => {
    const selected = selectOutput(loaded);

    assert.equal(selected.index, 7);
    assert.equal(selected.name, 'dense_Dense3');
    assert.equal(selected.model.outputs.length, 1);
    assert.deepEqual(selected.model.outputs[0].shape, [null, 10]);
  });

  it('predicts what the full model predicts', () => {
    const selected = selectOutput(loaded);
    const input = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 7);
    try {
      const full = loaded.model.predict(input) as tf.Tensor[];
      const single = selected.model.predict(input) as tf.Tensor;
      assert.deepEqual(Array.from(single.dataSync()), Array.from(full[7].dataSync()));
      tf.dispose([...full, single]);
    } finally {
      input.dispose();
    }
  });

  it('shares the variables of the full model', () => {
    const selected = selectOutput(loaded);

    const full = loaded.model.trainableWeights;
    const shared = selected.model.trainableWeights;
    assert.equal(shared.length, full.length);
    shared.forEach((variable, i) => assert.equal(variable, full[i], `variable ${i} is a copy`));
  });

  it('selects an intermediate output', () => {
    const padding = selectOutput(loaded, 0);
    const conv = selectOutput(loaded, 1);

    assert.deepEqual(padding.model.outputs[0].shape, [null, 32, 32, 1]);
    assert.deepEqual(listTrainableLayers(padding.model), []);
    assert.deepEqual(
      listTrainableLayers(conv.model).map((layer) => [layer.name, layer.numParameters]),
      [['conv2d_Conv2D1', 156]],
    );
  });

  it('rejects an out-of-range output with the names', () => {
    assert.throws(() => selectOutput(loaded, 8), UsageError);
    assert.throws(() => selectOutput(loaded, 8), /Output 8 does not exist: .*mnist\.json has 8 outputs/);
    assert.throws(() => selectOutput(loaded, 8), /0 "zero_padding2d_ZeroPadding2D1", .*7 "dense_Dense3"/);
    assert.throws(() => selectOutput(loaded, 8), /from 0 to 7/);
    assert.throws(() => selectOutput(loaded, -1), /Output -1 does not exist/);
    assert.throws(() => selectOutput(loaded, 1.5), /Output 1.5 does not exist/);
  });

  it('lists trainable layers in parameter order', () => {
    const layers = listTrainableLayers(selectOutput(loaded).model);

    assert.deepEqual(
      layers.map((layer) => [layer.name, layer.className, layer.numParameters]),
      [
        ['conv2d_Conv2D1', 'Conv2D', 156],
        ['conv2d_Conv2D2', 'Conv2D', 2416],
        ['dense_Dense1', 'Dense', 48120],
        ['dense_Dense2', 'Dense', 10164],
        ['dense_Dense3', 'Dense', 850],
      ],
    );
    const inOrder = layers.flatMap((layer) => layer.variables);
    assert.deepEqual(
      inOrder.map((variable) => variable.name),
      loaded.model.trainableWeights.map((variable) => variable.name),
    );
  });

  it('returns a single-output model unchanged', async () => {
    const untrained = await loadModel(realFile('models', 'tensorspace-tfjs-lenet-UNTRAINED', 'mnist.json'));
    try {
      const selected = selectOutput(untrained);
      assert.equal(selected.model, untrained.model);
      assert.equal(selected.index, 0);
      assert.equal(selected.name, 'myDense3');
      assert.throws(() => selectOutput(untrained, 1), /has 1 output: 0 "myDense3"/);
    } finally {
      untrained.model.dispose();
    }
  });
});

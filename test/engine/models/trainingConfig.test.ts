import * as assert from 'node:assert/strict';

import { lossForOutput, parseTrainingConfig } from '../../../src/engine/models/trainingConfig';

describe('parseTrainingConfig', () => {
  const outputs = ['features', 'digits'];

  it('reads a loss string and lr', () => {
    const { training, notes } = parseTrainingConfig(
      { loss: 'categorical_crossentropy', optimizer_config: { class_name: 'Adam', config: { lr: 0.002 } } },
      outputs,
    );

    assert.equal(training.loss, 'categorical_crossentropy');
    assert.equal(training.lossByOutput, null);
    assert.equal(training.rawLoss, 'categorical_crossentropy');
    assert.equal(training.optimizer, 'Adam');
    assert.equal(training.learningRate, 0.002);
    assert.deepEqual(notes, []);
  });

  it('reads a Keras 3 loss object and learning_rate', () => {
    const { training } = parseTrainingConfig(
      {
        loss: { module: 'keras.losses', class_name: 'SparseCategoricalCrossentropy', config: { from_logits: false } },
        optimizer_config: { module: 'keras.optimizers', class_name: 'Adam', config: { learning_rate: 0.001 }, registered_name: null },
      },
      outputs,
    );

    assert.equal(training.loss, 'sparse_categorical_crossentropy');
    assert.equal(training.rawLoss, 'SparseCategoricalCrossentropy');
    assert.equal(training.learningRate, 0.001);
  });

  it('reads a loss per output name', () => {
    const { training } = parseTrainingConfig({ loss: { features: 'mse', digits: 'sparse_categorical_crossentropy' } }, outputs);

    assert.equal(training.loss, null);
    assert.deepEqual(training.lossByOutput, { features: 'mean_squared_error', digits: 'sparse_categorical_crossentropy' });
    assert.equal(training.rawLoss, 'features: mse, digits: sparse_categorical_crossentropy');
    assert.equal(lossForOutput(training, 'digits'), 'sparse_categorical_crossentropy');
  });

  it('maps a loss list to output names', () => {
    const { training } = parseTrainingConfig({ loss: ['mae', 'binary_crossentropy'] }, outputs);

    assert.deepEqual(training.lossByOutput, { features: 'mean_absolute_error', digits: 'binary_crossentropy' });
    assert.equal(training.loss, null);
  });

  it('same loss for every output is shared', () => {
    const { training } = parseTrainingConfig({ loss: ['mse', 'mean_squared_error'] }, outputs);

    assert.equal(training.loss, 'mean_squared_error');
    assert.equal(lossForOutput(training, 'features'), 'mean_squared_error');
  });

  it('one-element list is the shared loss', () => {
    const { training } = parseTrainingConfig({ loss: ['binary_crossentropy'] }, outputs);

    assert.equal(training.loss, 'binary_crossentropy');
    assert.equal(training.lossByOutput, null);
  });

  it('unsupported loss keeps its raw name', () => {
    const { training } = parseTrainingConfig({ loss: 'hinge' }, outputs);

    assert.equal(training.loss, null);
    assert.equal(training.rawLoss, 'hinge');
    assert.equal(lossForOutput(training, 'digits'), null);
  });

  it('learning rate schedule gives a note', () => {
    const { training, notes } = parseTrainingConfig(
      {
        loss: 'mse',
        optimizer_config: {
          class_name: 'SGD',
          config: { learning_rate: { class_name: 'ExponentialDecay', config: { initial_learning_rate: 0.1 } } },
        },
      },
      outputs,
    );

    assert.equal(training.learningRate, null);
    assert.equal(training.optimizer, 'SGD');
    assert.match(notes[0], /schedule ExponentialDecay/);
  });

  it('loss named like an Object method is unknown', () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      const { training } = parseTrainingConfig({ loss: name }, outputs);
      assert.equal(training.loss, null, name);
    }
  });

  it('output named like an Object method', () => {
    // As JSON.parse reads them, these keys are own properties of the loss map.
    const { training } = parseTrainingConfig(JSON.parse('{"loss": {"__proto__": "mse", "digits": "mae"}}'), ['__proto__', 'digits']);

    assert.equal(lossForOutput(training, '__proto__'), 'mean_squared_error');
    assert.equal(training.loss, null);
    assert.equal(lossForOutput(training, 'constructor'), null);
    assert.equal(lossForOutput(training, 'toString'), null);
  });

  it('missing config gives nulls', () => {
    const { training } = parseTrainingConfig(null, outputs);

    assert.deepEqual(training, { loss: null, lossByOutput: null, rawLoss: null, learningRate: null, optimizer: null });
  });
});

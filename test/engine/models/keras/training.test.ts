/**
 * Loss, optimizer and learning rate from the training configurations that
 * Keras 2 (`training_config`) and Keras 3 (`compile_config`) write.
 */
import * as assert from 'node:assert/strict';

import { parseKeras2TrainingConfig, parseKeras3CompileConfig } from '../../../../src/engine/models/keras/training';

describe('Keras training configs', () => {
  it('Keras 2.1 with lr', () => {
    const { training, notes } = parseKeras2TrainingConfig(
      { optimizer_config: { class_name: 'Adam', config: { lr: 0.0010000000474974513, beta_1: 0.9 } }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
      ['dense'],
    );
    assert.equal(training.loss, 'sparse_categorical_crossentropy');
    assert.equal(training.optimizer, 'Adam');
    assert.equal(training.learningRate, 0.0010000000474974513);
    assert.deepEqual(notes, []);
  });

  it('Keras 3 serialized objects', () => {
    const { training } = parseKeras3CompileConfig(
      {
        optimizer: { module: 'keras.optimizers', class_name: 'SGD', config: { name: 'SGD', learning_rate: 0.05, momentum: 0.9 }, registered_name: null },
        loss: { module: 'keras.losses', class_name: 'CategoricalCrossentropy', config: { name: 'categorical_crossentropy', from_logits: false }, registered_name: null },
        metrics: ['accuracy'],
      },
      ['dense'],
    );
    assert.equal(training.loss, 'categorical_crossentropy');
    assert.equal(training.optimizer, 'SGD');
    assert.equal(training.learningRate, 0.05);
  });

  it('Keras 3 optimizer by name', () => {
    const { training } = parseKeras3CompileConfig({ optimizer: 'rmsprop', loss: 'mse' }, ['out']);
    assert.equal(training.optimizer, 'rmsprop');
    assert.equal(training.learningRate, null);
    assert.equal(training.loss, 'mean_squared_error');
  });

  it('learning-rate schedule', () => {
    const { training, notes } = parseKeras3CompileConfig(
      {
        optimizer: { class_name: 'Adam', config: { learning_rate: { module: 'keras.optimizers.schedules', class_name: 'ExponentialDecay', config: { initial_learning_rate: 0.01 } } } },
        loss: 'binary_crossentropy',
      },
      ['out'],
    );
    assert.equal(training.learningRate, null);
    assert.ok(notes.some((note) => /schedule ExponentialDecay/.test(note)), notes.join('\n'));
  });

  for (const [label, loss] of [
    ['Keras 3 loss object', { module: 'keras.losses', class_name: 'SparseCategoricalCrossentropy', config: { from_logits: true }, registered_name: null }],
    ['per-output dict', { head: { class_name: 'BinaryCrossentropy', config: { from_logits: true } } }],
  ] as const) {
    it(`from_logits in ${label}`, () => {
      const { training, notes } = parseKeras3CompileConfig({ optimizer: 'adam', loss }, ['head']);
      assert.equal(training.loss, null);
      assert.equal(training.lossByOutput, null);
      assert.ok(training.rawLoss !== null);
      assert.ok(notes.some((note) => /from_logits=True/.test(note)), notes.join('\n'));
    });
  }

  it('per-output losses by name', () => {
    const { training } = parseKeras2TrainingConfig(
      { optimizer_config: { class_name: 'Adam', config: { learning_rate: 0.001 } }, loss: { first: 'mse', second: 'binary_crossentropy' } },
      ['first', 'second'],
    );
    assert.equal(training.loss, null);
    assert.deepEqual(training.lossByOutput, { first: 'mean_squared_error', second: 'binary_crossentropy' });
  });

  it('missing config', () => {
    const keras2 = parseKeras2TrainingConfig(null, ['out']);
    const keras3 = parseKeras3CompileConfig(undefined, ['out']);
    for (const { training, notes } of [keras2, keras3]) {
      assert.equal(training.loss, null);
      assert.equal(training.learningRate, null);
      assert.equal(training.optimizer, null);
      assert.equal(notes.length, 1);
      assert.match(notes[0], /saved without compile\(\)/);
    }
  });
});

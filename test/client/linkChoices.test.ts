import * as assert from 'node:assert/strict';

import { LOSS_NAMES } from '../../src/engine/losses';
import {
  LOSS_DESCRIPTIONS,
  arrayKeysToAsk,
  confirmationText,
  orderLabelColumns,
  orderLabelsFiles,
  suggestLabelColumn,
} from '../../src/client/datasetLink/linkChoices';

describe('dataset link choices', function () {
  it('suggests the sidecar column, then a label name, then the last column', function () {
    assert.equal(suggestLabelColumn(['a', 'rings', 'b'], 'rings'), 'rings');
    assert.equal(suggestLabelColumn(['a', 'Target', 'b']), 'Target');
    assert.equal(suggestLabelColumn(['sex', 'length', 'rings']), 'rings');
    assert.equal(suggestLabelColumn(['y', 'label', 'x']), 'x', 'two default names are ambiguous, so the last column wins');
    assert.equal(suggestLabelColumn([]), null);
  });

  it('puts the suggested column first', function () {
    assert.deepEqual(orderLabelColumns(['a', 'label', 'b']), ['label', 'a', 'b']);
    assert.deepEqual(orderLabelColumns(['a', 'b'], 'a'), ['a', 'b']);
  });

  it('orders labels files by folder and name', function () {
    const files = ['/w/other/y.npy', '/w/data/x.npy', '/w/data/features.npy', '/w/data/labels.npy', '/w/data/table.csv'];

    assert.deepEqual(orderLabelsFiles(files, '/w/data/x.npy'), ['/w/data/labels.npy', '/w/data/features.npy', '/w/other/y.npy']);
  });

  it('asks for array names only without x and y', function () {
    assert.equal(arrayKeysToAsk(['x', 'y', 'extra']), null);
    assert.deepEqual(arrayKeysToAsk(['images', 'labels']), ['images', 'labels']);
  });

  it('offers every loss of the engine', function () {
    assert.deepEqual(Object.keys(LOSS_DESCRIPTIONS).sort(), [...LOSS_NAMES].sort());
  });

  it('says what the confirmation writes', function () {
    const text = confirmationText('/w/models/mnist.json', '/w/models/mnist.hessian.json', {
      data: '/w/data/x.npy',
      labels: '/w/data/y.npy',
      loss: 'sparse_categorical_crossentropy',
    });

    assert.equal(
      text,
      'Link data x.npy, labels y.npy, loss sparse_categorical_crossentropy to mnist.json? This writes mnist.hessian.json beside the model; you can edit or commit it.',
    );
  });
});

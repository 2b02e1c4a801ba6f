import * as assert from 'node:assert/strict';

import { LOSS_NAMES } from '../../src/engine/losses';
import {
  LOSS_DESCRIPTIONS,
  arrayKeysToAsk,
  categoryOrderChoices,
  confirmationText,
  orderLabelColumns,
  orderLabelsFiles,
  parseCategoryOrder,
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

  it('offers category orders without repeats', function () {
    const choices = categoryOrderChoices(['M', 'F', 'I'], ['F', 'M', 'I']);
    assert.deepEqual(
      choices.map((choice) => [choice.label, choice.description]),
      [
        ['F, M, I', 'linked now'],
        ['M, F, I', 'order of first appearance in the file'],
        ['F, I, M', 'alphabetical'],
      ],
    );

    // A linked order of other values is not offered, and an alphabetical order equal to the file's is listed once.
    assert.deepEqual(
      categoryOrderChoices(['a', 'b'], ['x', 'y']).map((choice) => choice.description),
      ['order of first appearance in the file'],
    );
  });

  it('parses a typed category order', function () {
    assert.deepEqual(parseCategoryOrder(' F, M ,I', ['M', 'F', 'I']), { order: ['F', 'M', 'I'] });
    assert.deepEqual(parseCategoryOrder('F, M', ['M', 'F', 'I']), { message: 'Missing: I. List every category once, separated by commas.' });
    assert.deepEqual(parseCategoryOrder('F, M, I, X', ['M', 'F', 'I']), { message: 'Not in the file: X. List only the values of the column.' });
    assert.deepEqual(parseCategoryOrder('F, M, I, F', ['M', 'F', 'I']), { message: 'Listed twice: F.' });
  });

  it('names the category order in the confirmation', function () {
    const text = confirmationText('/w/model.json', '/w/model.hessian.json', { data: '/w/a.csv', labelColumn: 'rings', categories: { sex: ['F', 'M', 'I'] } });
    assert.match(text, /column "sex" as F=0 M=1 I=2/);
  });
});

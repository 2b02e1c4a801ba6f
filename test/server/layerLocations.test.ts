import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';

import { findLayerLocations } from '../../src/server/lenses/layerLocations';
import { realFile } from '../realFiles';

describe('findLayerLocations', function () {
  it('finds every layer of the current format', function () {
    const text = fs.readFileSync(realFile('models', 'tensorspace-lenet-trained', 'mnist.json'), 'utf8');

    const locations = findLayerLocations(text);

    assert.deepEqual(
      locations.map((location) => location.name),
      ['input1', 'zero_padding2d_ZeroPadding2D1', 'conv2d_Conv2D1', 'max_pooling2d_MaxPooling2D1', 'conv2d_Conv2D2', 'max_pooling2d_MaxPooling2D2', 'flatten_Flatten1', 'dense_Dense1', 'dense_Dense2', 'dense_Dense3'],
    );
    for (const location of locations) {
      assert.equal(text.slice(location.start, location.end), `"name":"${location.name}"`);
    }
  });

  it('finds layers of the old Sequential format by config.name', function () {
    const text = fs.readFileSync(realFile('models', 'tensorspace-tfjs-lenet-UNTRAINED', 'mnist.json'), 'utf8');

    const locations = findLayerLocations(text);

    assert.deepEqual(
      locations.map((location) => location.name),
      ['myPadding', 'myConv1', 'myMaxPooling1', 'myConv2', 'myMaxPooling2', 'myFlatten', 'myDense1', 'myDense2', 'myDense3'],
    );
    assert.equal(text.slice(locations[1].start, locations[1].end), '"name":"myConv1"');
  });

  it('skips the model, the training config and text outside modelTopology', function () {
    const text = JSON.stringify(
      {
        name: 'outside',
        modelTopology: {
          model_config: { class_name: 'Sequential', config: { name: 'sequential_1', layers: [{ class_name: 'Dense', config: { name: 'fc1', units: 2 } }] } },
          training_config: { optimizer_config: { class_name: 'Adam', config: { name: 'Adam', learning_rate: 0.001 } } },
        },
      },
      null,
      2,
    );

    assert.deepEqual(findLayerLocations(text).map((location) => location.name), ['fc1']);
  });

  it('returns nothing for text that is not a model', function () {
    assert.deepEqual(findLayerLocations('{"modelTopology": '), []);
    assert.deepEqual(findLayerLocations('[1, 2, 3]'), []);
    assert.deepEqual(findLayerLocations(''), []);
  });
});

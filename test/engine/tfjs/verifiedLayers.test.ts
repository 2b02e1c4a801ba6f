import * as assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs';

import { VERIFIED_ACTIVATIONS, VERIFIED_LAYER_CLASSES, findUnverifiedLayers } from '../../../src/engine/tfjs/verifiedLayers';
import { useBackend } from './backendSetup';
import { LAYER_CASES } from './layerCases';

describe('verified layer classes', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('are exactly the classes the HVP tests build', () => {
    const built = new Set<string>();
    for (const layerCase of LAYER_CASES) {
      const model = layerCase.build();
      model.layers.forEach((layer) => built.add(layer.getClassName()));
      model.dispose();
    }
    assert.deepEqual([...built].sort(), [...VERIFIED_LAYER_CLASSES].sort());
  });

  it('include every activation the HVP tests build', () => {
    const activations = new Set<string>();
    for (const layerCase of LAYER_CASES) {
      const model = layerCase.build();
      for (const layer of model.layers) {
        const config = layer.getConfig();
        for (const key of ['activation', 'recurrentActivation']) {
          if (typeof config[key] === 'string') {
            activations.add(config[key] as string);
          }
        }
      }
      model.dispose();
    }
    assert.deepEqual([...activations].sort(), [...VERIFIED_ACTIVATIONS].sort());
  });

  it('flag an unverified class and activation', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv1d({ inputShape: [6, 2], filters: 2, kernelSize: 3, name: 'convolution' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, activation: 'mish', name: 'hidden' }),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    const unverified = findUnverifiedLayers(model);
    model.dispose();

    assert.deepEqual(
      unverified.map(({ layerName, className }) => [layerName, className]),
      [
        ['convolution', 'Conv1D'],
        ['hidden', 'Dense'],
      ],
    );
    assert.match(unverified[0].reason, /Conv1D/);
    assert.match(unverified[1].reason, /'mish'/);
  });

  it('pass a model of verified layers', () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [3], units: 4, activation: 'relu' }), tf.layers.dense({ units: 2, activation: 'softmax' })],
    });
    assert.deepEqual(findUnverifiedLayers(model), []);
    model.dispose();
  });
});

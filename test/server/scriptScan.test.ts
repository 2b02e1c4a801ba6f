import * as assert from 'node:assert/strict';

import { scanScript } from '../../src/server/lenses/scriptScan';

const layers = new Set(['fc1', 'conv_1', 'out']);
const isLayer = (name: string): boolean => layers.has(name);

describe('scanScript', function () {
  it('finds layer names in Python and JavaScript calls', function () {
    const text = [
      'x = Dense(64, name="fc1")(x)',
      "const out = tf.layers.dense({units: 10, name: 'out'});",
      'y = Conv2D(8, 3, name = "conv_1")',
      'logger = Logger(name="fc2")',
    ].join('\n');

    const sites = scanScript(text, isLayer);

    assert.deepEqual(
      sites.layerNames.map((site) => [site.line, site.name]),
      [
        [0, 'fc1'],
        [1, 'out'],
        [2, 'conv_1'],
      ],
    );
    assert.equal(text.split('\n')[0].slice(sites.layerNames[0].startCharacter, sites.layerNames[0].endCharacter), 'name="fc1"');
  });

  it('finds learning rates in the usual spellings', function () {
    const text = [
      'opt = SGD(learning_rate=0.01)',
      'opt = Adam(lr=1e-3)',
      'const config = { learningRate: .5 };',
      "params = {'learning_rate': 2E-4}",
    ].join('\n');

    const sites = scanScript(text, isLayer);

    assert.deepEqual(
      sites.learningRates.map((site) => [site.line, site.key, site.value]),
      [
        [0, 'learning_rate', 0.01],
        [1, 'lr', 0.001],
        [2, 'learningRate', 0.5],
        [3, 'learning_rate', 0.0002],
      ],
    );
  });

  it('ignores comments, comparisons and non-literals', function () {
    const text = [
      '# lr=0.1',
      '// learningRate: 0.1',
      'if lr == 0.1:',
      'opt = SGD(learning_rate=schedule)',
      'opt = SGD(lr=0)',
      'lr_decay = 0.5',
      'opt = SGD(lr=0.1.2)',
    ].join('\n');

    assert.deepEqual(scanScript(text, isLayer).learningRates, []);
  });
});

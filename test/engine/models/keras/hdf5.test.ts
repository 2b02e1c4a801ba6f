/**
 * The HDF5 reader on the real Keras files: NUL-padded fixed-length strings,
 * Keras 3's nested groups and their name attributes, and weight values that
 * must equal the bytes stored in the file.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';

import { InputError } from '../../../../src/engine/errors';
import { Hdf5Reader } from '../../../../src/engine/models/keras/hdf5';
import { realFile } from '../../../realFiles';
import { findFloat32Run, readArchiveEntries } from './helpers';

describe('Hdf5Reader', () => {
  describe('Keras 2.1.6 LeNet', () => {
    let bytes: Uint8Array;
    let reader: Hdf5Reader;

    before(async () => {
      bytes = new Uint8Array(await fs.readFile(realFile('models', 'tensorspace-keras-h5', 'mnist.h5')));
      reader = new Hdf5Reader('mnist.h5', bytes);
    });

    it('strips NUL padding from string lists', () => {
      assert.deepEqual(reader.stringListAttribute('/model_weights', 'layer_names'), [
        'input_1',
        'reshape_1',
        'Conv2D_1',
        'MaxPooling2D_1',
        'Conv2D_2',
        'MaxPooling2D_2',
        'flatten_1',
        'Dense_1',
        'Dense_2',
        'Softmax',
      ]);
      assert.deepEqual(reader.stringListAttribute('/model_weights/Conv2D_1', 'weight_names'), ['Conv2D_1/kernel:0', 'Conv2D_1/bias:0']);
    });

    it('reads empty weight_names', () => {
      assert.deepEqual(reader.stringListAttribute('/model_weights/flatten_1', 'weight_names'), []);
    });

    it('reads string attributes', () => {
      assert.equal(reader.stringAttribute('/', 'keras_version'), '2.1.6');
      assert.equal(reader.stringAttribute('/', 'backend'), 'tensorflow');
      assert.match(reader.stringAttribute('/', 'model_config') ?? '', /^\{"class_name": "Sequential"/);
      assert.equal(reader.stringAttribute('/', 'no_such_attribute'), undefined);
    });

    it('values equal the stored bytes', () => {
      for (const layer of ['Conv2D_1', 'Conv2D_2', 'Dense_1', 'Dense_2', 'Softmax']) {
        for (const weight of ['kernel:0', 'bias:0']) {
          const { shape, values } = reader.readFloatArray(`/model_weights/${layer}/${layer}/${weight}`);
          assert.equal(values.length, shape.reduce((product, size) => product * size, 1));
          // findFloat32Run fails unless the values sit in the file as one little-endian run.
          findFloat32Run(bytes, values);
        }
      }
    });

    it('refuses integer arrays as weights', () => {
      assert.throws(
        () => reader.readFloatArrayShape('/optimizer_weights/Adam/iterations:0'),
        (error: unknown) => error instanceof InputError && /has the HDF5 dtype "<i8"/.test(error.problem),
      );
    });

    it('tells members apart', () => {
      assert.equal(reader.has('/model_weights/Dense_1/Dense_1/kernel:0'), true);
      assert.equal(reader.has('/model_weights/Dense_3'), false);
      assert.equal(reader.isGroup('/model_weights/Dense_1'), true);
      assert.equal(reader.isGroup('/model_weights/Dense_1/Dense_1/kernel:0'), false);
    });
  });

  describe('Keras 3.8 model.weights.h5', () => {
    let reader: Hdf5Reader;

    before(async () => {
      const entries = await readArchiveEntries(realFile('models', 'keras-payal-mlp-keras3', 'mnist_model.keras'));
      reader = new Hdf5Reader('mnist_model.keras', entries['model.weights.h5'], 'model.weights.h5 in the archive');
    });

    it('names groups after classes', () => {
      assert.deepEqual([...reader.memberNames('/layers')].sort(), ['dense', 'dense_1', 'flatten']);
      assert.deepEqual([...reader.memberNames('/layers/dense/vars')].sort(), ['0', '1']);
    });

    it('records layer names as attributes', () => {
      assert.equal(reader.attribute('/layers/dense/vars', 'name'), 'dense_3');
      assert.equal(reader.attribute('/layers/dense_1/vars', 'name'), 'dense_4');
      assert.equal(reader.attribute('/layers/flatten/vars', 'name'), 'flatten_1');
    });

    it('reads nested variables', () => {
      assert.deepEqual(reader.readFloatArrayShape('/layers/dense/vars/0'), [784, 128]);
      assert.deepEqual(reader.readFloatArray('/layers/dense_1/vars/1').shape, [10]);
    });

    it('names the archive entry in errors', () => {
      assert.throws(
        () => reader.readFloatArray('/layers/dense/vars/7'),
        (error: unknown) => error instanceof InputError && error.file === 'mnist_model.keras' && /^model\.weights\.h5 in the archive has no \/layers\/dense\/vars\/7/.test(error.problem),
      );
    });
  });
});

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import { strToU8, zipSync } from 'fflate';

import { detectFormat, isModelFile } from '../../../src/engine/models/detectFormat';
import { DEFAULT_LOAD_LIMITS } from '../../../src/engine/models/types';
import { realFile } from '../../realFiles';
import { expectInputError, makeTempDir, tinyTopology, writeTinyModel } from './fixtures';

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('detectFormat', () => {
  let folder: string;

  beforeEach(async () => {
    folder = await makeTempDir();
  });

  afterEach(async () => {
    await fs.rm(folder, { recursive: true, force: true });
  });

  describe('real files', () => {
    it('tfjs layers models by content', async () => {
      assert.equal(await detectFormat(realFile('models', 'tensorspace-lenet-trained', 'mnist.json')), 'tfjs-layers');
      assert.equal(await detectFormat(realFile('models', 'tensorspace-tfjs-lenet-UNTRAINED', 'mnist.json')), 'tfjs-layers');
      assert.equal(await detectFormat(realFile('models', 'tfjs-examples-abalone', 'model.json')), 'tfjs-layers');
    });

    it('HDF5 named .keras is keras-h5', async () => {
      assert.equal(await detectFormat(realFile('models', 'keras-k2arm-mid-keras2-hdf5-named-keras', 'model.keras')), 'keras-h5');
    });

    it('.h5 is keras-h5', async () => {
      assert.equal(await detectFormat(realFile('models', 'tensorspace-keras-h5', 'mnist.h5')), 'keras-h5');
    });

    it('Keras 3 zip is keras-v3', async () => {
      assert.equal(await detectFormat(realFile('models', 'keras-payal-mlp-keras3', 'mnist_model.keras')), 'keras-v3');
      assert.equal(await detectFormat(realFile('models', 'keras-mech-cnn-keras3', 'mnist_model.keras')), 'keras-v3');
    });

    it('graph model is rejected', async () => {
      const file = realFile('models', 'tfjs-examples-prefetch-graphmodel', 'model.json');

      const error = await expectInputError(detectFormat(file), file);

      assert.match(error.problem, /graph model/);
    });

    it('npz data is rejected', async () => {
      const file = realFile('data', 'mnist-1k', 'mnist-1k.npz');

      const error = await expectInputError(detectFormat(file), file);

      assert.match(error.problem, /NumPy \.npz archive, a data file/);
    });

    it('npy data is rejected', async () => {
      const file = realFile('data', 'mnist-1k', 'x.npy');

      const error = await expectInputError(detectFormat(file), file);

      assert.match(error.problem, /NumPy \.npy array/);
    });

    it('CSV data is rejected', async () => {
      const file = realFile('data', 'abalone', 'abalone.csv');

      const error = await expectInputError(detectFormat(file), file);

      assert.match(error.problem, /neither JSON .* HDF5 .* nor a zip archive/);
    });

    it('JSON rows are rejected', async () => {
      const file = realFile('data', 'iris', 'iris.json');

      const error = await expectInputError(detectFormat(file), file);

      assert.match(error.problem, /not a TensorFlow\.js model: it has no modelTopology/);
    });
  });

  describe('synthetic files', () => {
    it('HDF5 after a 512-byte user block', async () => {
      const file = path.join(folder, 'with-user-block.bin');
      await fs.writeFile(file, Buffer.concat([Buffer.alloc(512), HDF5_SIGNATURE, Buffer.alloc(64)]));

      assert.equal(await detectFormat(file), 'keras-h5');
    });

    it('HDF5 after a 2048-byte user block', async () => {
      const file = path.join(folder, 'with-user-block.bin');
      await fs.writeFile(file, Buffer.concat([Buffer.alloc(2048), HDF5_SIGNATURE, Buffer.alloc(64)]));

      assert.equal(await detectFormat(file), 'keras-h5');
    });

    it('signature at another offset is not HDF5', async () => {
      const file = path.join(folder, 'misplaced.bin');
      await fs.writeFile(file, Buffer.concat([Buffer.alloc(700), HDF5_SIGNATURE, Buffer.alloc(64)]));

      const error = await expectInputError(detectFormat(file), file);

      assert.match(error.problem, /is not a model/);
    });

    it('zip with config.json is keras-v3', async () => {
      const file = path.join(folder, 'model.keras');
      await fs.writeFile(file, zipSync({ 'metadata.json': strToU8('{}'), 'config.json': strToU8('{}'), 'model.weights.h5': new Uint8Array(8) }));

      assert.equal(await detectFormat(file), 'keras-v3');
    });

    it('zip without config.json is rejected', async () => {
      const file = path.join(folder, 'archive.keras');
      await fs.writeFile(file, zipSync({ 'readme.txt': strToU8('hello') }));

      const error = await expectInputError(detectFormat(file), file);

      assert.match(error.problem, /has no config\.json/);
    });

    it('zip with an archive comment is listed', async () => {
      const file = path.join(folder, 'commented.keras');
      const archive = Buffer.from(zipSync({ 'config.json': strToU8('{}') }));
      // Set the comment length field of the end record and append the comment.
      const comment = Buffer.from('saved by a test');
      archive.writeUInt16LE(comment.length, archive.length - 2);
      await fs.writeFile(file, Buffer.concat([archive, comment]));

      assert.equal(await detectFormat(file), 'keras-v3');
    });

    it('sidecar is rejected', async () => {
      const file = path.join(folder, 'model.hessian.json');
      await fs.writeFile(file, JSON.stringify({ data: 'x.npy', loss: 'mean_squared_error' }));

      const error = await expectInputError(detectFormat(file), file);

      assert.match(error.problem, /settings file/);
    });

    it('package.json is rejected', async () => {
      const file = path.join(folder, 'package.json');
      await fs.writeFile(file, JSON.stringify({ name: 'app', version: '1.0.0' }));

      const error = await expectInputError(detectFormat(file), file);

      assert.match(error.problem, /npm package manifest/);
    });

    it('invalid JSON is rejected with a position', async () => {
      const file = path.join(folder, 'model.json');
      await fs.writeFile(file, '{"modelTopology": [1, 2,, 3]}');

      const error = await expectInputError(detectFormat(file), file);

      assert.match(error.problem, /not valid JSON: value expected at line 1, column 25/);
    });

    it('empty file is rejected', async () => {
      const file = path.join(folder, 'empty.json');
      await fs.writeFile(file, '');

      const error = await expectInputError(detectFormat(file), file);

      assert.match(error.problem, /is empty/);
    });

    it('missing file is rejected', async () => {
      const file = path.join(folder, 'nowhere.json');

      const error = await expectInputError(detectFormat(file), file);

      assert.match(error.problem, /was not found/);
    });

    it('folder is rejected', async () => {
      const error = await expectInputError(detectFormat(folder), folder);

      assert.match(error.problem, /is a folder/);
    });

    it('oversized file is rejected', async () => {
      const { modelFile } = await writeTinyModel(folder);

      const error = await expectInputError(detectFormat(modelFile, { ...DEFAULT_LOAD_LIMITS, maxFileBytes: 64 }), modelFile);

      assert.match(error.problem, /larger than the limit of 64 bytes/);
    });
  });
});

describe('isModelFile', () => {
  let folder: string;

  beforeEach(async () => {
    folder = await makeTempDir();
  });

  afterEach(async () => {
    await fs.rm(folder, { recursive: true, force: true });
  });

  it('true for the real models', async () => {
    assert.equal(await isModelFile(realFile('models', 'tensorspace-lenet-trained', 'mnist.json')), true);
    assert.equal(await isModelFile(realFile('models', 'tfjs-examples-abalone', 'model.json')), true);
    assert.equal(await isModelFile(realFile('models', 'tensorspace-keras-h5', 'mnist.h5')), true);
    assert.equal(await isModelFile(realFile('models', 'keras-k2arm-mid-keras2-hdf5-named-keras', 'model.keras')), true);
    assert.equal(await isModelFile(realFile('models', 'keras-payal-mlp-keras3', 'mnist_model.keras')), true);
  });

  it('false for a graph model and data', async () => {
    assert.equal(await isModelFile(realFile('models', 'tfjs-examples-prefetch-graphmodel', 'model.json')), false);
    assert.equal(await isModelFile(realFile('models', 'tfjs-examples-prefetch-graphmodel', 'group1-shard1of1.bin')), false);
    assert.equal(await isModelFile(realFile('data', 'mnist-1k', 'mnist-1k.npz')), false);
    assert.equal(await isModelFile(realFile('data', 'mnist-1k', 'x.npy')), false);
    assert.equal(await isModelFile(realFile('data', 'abalone', 'abalone.csv')), false);
  });

  it('false for other JSON, missing files and folders', async () => {
    const sidecar = path.join(folder, 'model.hessian.json');
    await fs.writeFile(sidecar, JSON.stringify({ data: 'x.npy' }));
    const manifest = path.join(folder, 'package.json');
    await fs.writeFile(manifest, JSON.stringify({ name: 'app', version: '1.0.0' }));
    const broken = path.join(folder, 'broken.json');
    await fs.writeFile(broken, '{"modelTopology": ');

    assert.equal(await isModelFile(sidecar), false);
    assert.equal(await isModelFile(manifest), false);
    assert.equal(await isModelFile(broken), false);
    assert.equal(await isModelFile(path.join(folder, 'nowhere.json')), false);
    assert.equal(await isModelFile(folder), false);
  });

  it('large layers model JSON by its first bytes', async () => {
    const file = path.join(folder, 'large.json');
    const json = { modelTopology: tinyTopology(), weightsManifest: [], padding: 'x'.repeat(100_000) };
    await fs.writeFile(file, JSON.stringify(json));

    assert.equal(await isModelFile(file), true);
  });

  it('large graph model JSON is not a model', async () => {
    const file = path.join(folder, 'large-graph.json');
    const json = { format: 'graph-model', modelTopology: { node: [{ name: 'x', op: 'Placeholder' }] }, padding: 'x'.repeat(100_000) };
    await fs.writeFile(file, JSON.stringify(json));

    assert.equal(await isModelFile(file), false);
  });

  it('large JSON without model keys is not a model', async () => {
    const file = path.join(folder, 'rows.json');
    await fs.writeFile(file, JSON.stringify(Array.from({ length: 10_000 }, (_, i) => ({ x: i, y: i % 3 }))));

    assert.equal(await isModelFile(file), false);
  });
});

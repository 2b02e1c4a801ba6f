/**
 * The Keras loader on broken and hostile input, made from the real files in a
 * temporary folder. The cases are truncated and corrupt HDF5, zip archives
 * whose entries leave their folder or expand past a limit, and weights that
 * do not fit the configuration or are not finite. Each must fail with an
 * InputError that names the file, the problem and a fix, and leave nothing
 * allocated.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as zlib from 'node:zlib';

import * as tf from '@tensorflow/tfjs';
import * as fflate from 'fflate';

import { InputError } from '../../../../src/engine/errors';
import { loadKerasModel } from '../../../../src/engine/models/keras';
import { Hdf5Reader } from '../../../../src/engine/models/keras/hdf5';
import { DEFAULT_LOAD_LIMITS } from '../../../../src/engine/models/types';
import { realFile } from '../../../realFiles';
import { expectInputError, findFloat32Run, makeTempDir, readArchiveEntries, replaceBytes, storedZip, writeTempFile } from './helpers';

const LENET_SEGMENTS = ['models', 'tensorspace-keras-h5', 'mnist.h5'];
const MLP_SEGMENTS = ['models', 'keras-payal-mlp-keras3', 'mnist_model.keras'];

/** Sets the declared uncompressed size of entry `name` in its local header and in the central directory. */
function patchDeclaredSize(zip: Uint8Array, name: string, declaredBytes: number): Uint8Array {
  const patched = Uint8Array.from(zip);
  const view = new DataView(patched.buffer);
  const nameBytes = Buffer.from(name, 'utf8');
  // Field offsets from PKWARE's APPNOTE: local file header 4.3.7, central directory header 4.3.12.
  const headers = [
    { signature: 0x04034b50, nameLengthAt: 26, nameAt: 30, sizeAt: 22 },
    { signature: 0x02014b50, nameLengthAt: 28, nameAt: 46, sizeAt: 24 },
  ];
  let patchedHeaders = 0;
  for (let at = 0; at + 46 < patched.length; at++) {
    const header = headers.find((candidate) => candidate.signature === view.getUint32(at, true));
    if (header === undefined) {
      continue;
    }
    const nameLength = view.getUint16(at + header.nameLengthAt, true);
    const nameStart = at + header.nameAt;
    if (nameLength !== nameBytes.length || !Buffer.from(patched.subarray(nameStart, nameStart + nameLength)).equals(nameBytes)) {
      continue;
    }
    view.setUint32(at + header.sizeAt, declaredBytes, true);
    patchedHeaders++;
  }
  assert.equal(patchedHeaders, 2, 'expected one local header and one central-directory header');
  return patched;
}

/** One entry of `deflatedZip`: raw deflate data and what it inflates to. */
interface DeflatedEntry {
  name: string;
  compressed: Uint8Array;
  uncompressedBytes: number;
  crc32: number;
}

/**
 * Builds a zip archive of deflated entries from their compressed data, with
 * the sizes and CRC-32 declared in the headers as given (PKWARE's APPNOTE 4.3:
 * local file headers with the data, then the central directory and its end
 * record).
 */
function deflatedZip(entries: DeflatedEntry[]): Uint8Array {
  const DEFLATE = 8;
  const DOS_DATE_1980_01_01 = 0x21;
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(DEFLATE, 8);
    local.writeUInt16LE(DOS_DATE_1980_01_01, 12);
    local.writeUInt32LE(entry.crc32, 14);
    local.writeUInt32LE(entry.compressed.length, 18);
    local.writeUInt32LE(entry.uncompressedBytes, 22);
    local.writeUInt16LE(name.length, 26);
    parts.push(local, name, Buffer.from(entry.compressed));

    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(DEFLATE, 10);
    header.writeUInt16LE(DOS_DATE_1980_01_01, 14);
    header.writeUInt32LE(entry.crc32, 16);
    header.writeUInt32LE(entry.compressed.length, 20);
    header.writeUInt32LE(entry.uncompressedBytes, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(offset, 42);
    central.push(header, name);
    offset += local.length + name.length + entry.compressed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, directory, end]));
}

/**
 * Raw deflate data of `segments` × 64 MiB of zeros, built from one compressed
 * segment repeated. Each segment ends with a sync flush, so it is byte-aligned
 * and refers only to its own bytes, which lets copies be concatenated. A final
 * empty block (0x03 0x00) ends the stream.
 */
function deflatedZeros(segments: number): DeflatedEntry {
  const segmentBytes = 64 * 1024 * 1024;
  const zeros = Buffer.alloc(segmentBytes);
  const segment = zlib.deflateRawSync(zeros, { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  let crc32 = 0;
  for (let i = 0; i < segments; i++) {
    crc32 = zlib.crc32(zeros, crc32);
  }
  const compressed = Buffer.concat([...Array.from({ length: segments }, () => segment), Buffer.from([0x03, 0x00])]);
  return { name: 'model.weights.h5', compressed, uncompressedBytes: segments * segmentBytes, crc32 };
}

/** A small deterministic generator for the corruption tests (Park–Miller). */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

describe('loadKerasModel on bad input', () => {
  let folder: string;
  let lenetBytes: Uint8Array;
  let mlpEntries: Record<string, Uint8Array>;

  before(async () => {
    await tf.setBackend('cpu');
    folder = await makeTempDir();
    lenetBytes = new Uint8Array(await fs.readFile(realFile(...LENET_SEGMENTS)));
    mlpEntries = await readArchiveEntries(realFile(...MLP_SEGMENTS));
  });

  after(async () => {
    await fs.rm(folder, { recursive: true, force: true });
  });

  describe('HDF5 files', () => {
    it('truncated to half', async () => {
      const file = await writeTempFile(folder, 'half.h5', lenetBytes.subarray(0, lenetBytes.length / 2));
      const error = await expectInputError(() => loadKerasModel(file), file, /is truncated: it has 287740 bytes, but its HDF5 superblock records 575480/);
      assert.match(error.fix, /damaged or incomplete/);
    });

    it('truncated inside the superblock', async () => {
      const file = await writeTempFile(folder, 'stub.h5', lenetBytes.subarray(0, 40));
      await expectInputError(() => loadKerasModel(file), file, /ends inside its HDF5 superblock/);
    });

    it('attribute declaring a billion values', async () => {
      // layer_names contains 10 fixed-length strings of 14 bytes. With a string
      // size of 0 and 2^30 values, jsfive fills an array until the process runs
      // out of memory, so a regression here aborts the test run.
      // The loader must fail with an InputError first.
      const corrupt = Uint8Array.from(lenetBytes);
      const nameAt = Buffer.from(corrupt).indexOf(Buffer.from('layer_names\0', 'latin1'));
      const view = new DataView(corrupt.buffer);
      const datatypeAt = nameAt + 16;
      const dataspaceAt = datatypeAt + 8;
      assert.equal(view.getUint32(datatypeAt + 4, true), 14, 'string size of layer_names');
      assert.equal(Number(view.getBigUint64(dataspaceAt + 8, true)), 10, 'length of layer_names');
      view.setUint32(datatypeAt + 4, 0, true);
      view.setBigUint64(dataspaceAt + 8, 2n ** 30n, true);

      const file = await writeTempFile(folder, 'huge-attribute.h5', corrupt);
      await expectInputError(() => loadKerasModel(file), file, /is corrupt: reading the attributes of \/model_weights failed \(an attribute declares 1073741824 values/);
    });

    it('random damage gives InputErrors', async () => {
      const random = seededRandom(20240611);
      const outcomes = { loaded: 0, rejected: 0 };
      for (let trial = 0; trial < 30; trial++) {
        const damaged = Uint8Array.from(lenetBytes);
        const flips = 1 + Math.floor(random() * 16);
        // Most flips land in the first 4 KiB, where the superblock, the object headers and the attributes are.
        for (let i = 0; i < flips; i++) {
          const span = trial % 3 === 0 ? damaged.length : 4096;
          damaged[Math.floor(random() * span)] = Math.floor(random() * 256);
        }
        const file = await writeTempFile(folder, `damaged-${trial}.h5`, damaged);
        try {
          const loaded = await loadKerasModel(file);
          loaded.model.dispose();
          outcomes.loaded++;
        } catch (error) {
          assert.ok(error instanceof InputError, `trial ${trial}: ${String(error)}`);
          outcomes.rejected++;
        }
      }
      assert.ok(outcomes.rejected >= 10, `only ${outcomes.rejected} of 30 damaged files were rejected`);
    });

    it('weights not matching the config', async () => {
      const file = await writeTempFile(folder, 'units.h5', replaceBytes(lenetBytes, '"units": 120', '"units": 121'));
      const variablesBefore = Object.keys(tf.engine().registeredVariables).length;
      const tensorsBefore = tf.memory().numTensors;

      const error = await expectInputError(
        () => loadKerasModel(file),
        file,
        /Layer "Dense_1" expects weight "Dense_1\/kernel" of shape \[256, 121\], but the weight data has shape \[256, 120\]/,
      );
      assert.match(error.fix, /different models/);
      assert.equal(Object.keys(tf.engine().registeredVariables).length, variablesBefore);
      assert.equal(tf.memory().numTensors, tensorsBefore);
    });

    it('NaN weight', async () => {
      const reader = new Hdf5Reader('mnist.h5', lenetBytes);
      const bias = reader.readFloatArray('/model_weights/Softmax/Softmax/bias:0').values;
      const corrupt = Uint8Array.from(lenetBytes);
      const at = findFloat32Run(corrupt, bias);
      new DataView(corrupt.buffer).setFloat32(at + 4 * 3, Number.NaN, true);

      const file = await writeTempFile(folder, 'nan.h5', corrupt);
      const tensorsBefore = tf.memory().numTensors;
      await expectInputError(() => loadKerasModel(file), file, /Weight "Softmax\/bias" contains NaN at flat index 3 \(1 of 10 values are not finite\)/);
      assert.equal(tf.memory().numTensors, tensorsBefore);
    });

    it('unsupported layer class', async () => {
      const file = await writeTempFile(folder, 'permute.h5', replaceBytes(lenetBytes, '"class_name": "Flatten"', '"class_name": "Permute"'));
      const error = await expectInputError(() => loadKerasModel(file), file, /Layer "flatten_1" of class Permute is not supported by the engine/);
      assert.ok(error.message.startsWith(`${file}: `));
    });

    it('neither HDF5 nor zip', async () => {
      const file = await writeTempFile(folder, 'noise.h5', Uint8Array.from({ length: 2048 }, (_, i) => (i * 37) % 251));
      await expectInputError(() => loadKerasModel(file), file, /neither HDF5 \(a Keras \.h5 file\) nor a zip archive/);
    });

    it('larger than the limit', async () => {
      const file = realFile(...LENET_SEGMENTS);
      const error = await expectInputError(() => loadKerasModel(file, { ...DEFAULT_LOAD_LIMITS, maxFileBytes: 1000 }), file, /larger than the limit of 1000 bytes/);
      assert.match(error.fix, /Check that this is the right file/);
    });

    it('2 GiB file with a raised limit', async () => {
      const file = await writeTempFile(folder, 'two-gib.h5', lenetBytes);
      // Sparse, so it takes no disk space; fs.readFile in Node 20 reads at most 2 GiB − 1 byte.
      await fs.truncate(file, 2 ** 31);
      try {
        await expectInputError(
          () => loadKerasModel(file, { ...DEFAULT_LOAD_LIMITS, maxFileBytes: 2 ** 32 }),
          file,
          /larger than the 2 GiB − 1 byte that Node\.js reads from one file/,
        );
      } finally {
        await fs.rm(file);
      }
    });
  });

  describe('Keras 3 archives', () => {
    it('truncated to half', async () => {
      const bytes = new Uint8Array(await fs.readFile(realFile(...MLP_SEGMENTS)));
      const file = await writeTempFile(folder, 'half.keras', bytes.subarray(0, bytes.length / 2));
      await expectInputError(() => loadKerasModel(file), file, /not a valid zip archive/);
    });

    it('truncated weights inside', async () => {
      const weights = mlpEntries['model.weights.h5'];
      const file = await writeTempFile(folder, 'half-weights.keras', storedZip({ ...mlpEntries, 'model.weights.h5': weights.subarray(0, weights.length / 2) }));
      await expectInputError(() => loadKerasModel(file), file, /^model\.weights\.h5 in the archive is truncated: it has 620466 bytes, but its HDF5 superblock records 1240932/);
    });

    for (const name of ['../escape.txt', '/etc/escape.txt', 'assets/../../escape.txt', 'C:\\escape.txt', 'assets\\..\\..\\escape.txt']) {
      it(`entry ${name}`, async () => {
        const file = await writeTempFile(folder, 'escape.keras', storedZip({ ...mlpEntries, [name]: 'x' }));
        await expectInputError(() => loadKerasModel(file), file, /points outside the archive's folder/);
      });
    }

    it('declared size past the limit', async () => {
      // 8 MiB of zeros deflate to about 8 KiB.
      const zeros = new Uint8Array(8 * 1024 * 1024);
      const zip = fflate.zipSync({ 'config.json': mlpEntries['config.json'], 'model.weights.h5': [zeros, { level: 9 }] });
      const file = await writeTempFile(folder, 'bomb.keras', zip);
      assert.ok(zip.length < 100_000);
      await expectInputError(() => loadKerasModel(file, { ...DEFAULT_LOAD_LIMITS, maxFileBytes: 1024 * 1024 }), file, /expand to 8391615 bytes, more than the limit of 1048576 bytes/);
    });

    it('expansion past the declared size', async () => {
      const zeros = new Uint8Array(8 * 1024 * 1024);
      const zip = fflate.zipSync({ 'config.json': mlpEntries['config.json'], 'model.weights.h5': [zeros, { level: 9 }] });
      const file = await writeTempFile(folder, 'lying.keras', patchDeclaredSize(zip, 'model.weights.h5', 1000));
      const error = await expectInputError(() => loadKerasModel(file), file, /^The archive entry model\.weights\.h5 expands past the 1000 bytes that its header declares$/);
      // The error thrown inside fflate's callback comes back through it once, not wrapped in a second message.
      assert.equal(error.message.split(file).length - 1, 1, `the file is named once: ${error.message}`);
      assert.equal(error.message.split('Save the model again').length - 1, 1, `the fix is given once: ${error.message}`);
    });

    it('zip64 size marker without its record', async () => {
      const zip = fflate.zipSync({ 'config.json': mlpEntries['config.json'], 'model.weights.h5': new Uint8Array(64) });
      const file = await writeTempFile(folder, 'marker.keras', patchDeclaredSize(zip, 'model.weights.h5', 0xffffffff));
      await expectInputError(() => loadKerasModel(file), file, /^The archive entry model\.weights\.h5 gives its size as 0xFFFFFFFF, the zip64 marker/);
    });

    it('weights entry that is not HDF5 stops early', async () => {
      // 29 × 64 MiB = 1.8 GiB of zeros in about 1.9 MB, declared honestly, under the 2 GiB − 1 byte limit.
      const weights = deflatedZeros(29);
      const config: DeflatedEntry = {
        name: 'config.json',
        compressed: zlib.deflateRawSync(mlpEntries['config.json']),
        uncompressedBytes: mlpEntries['config.json'].length,
        crc32: zlib.crc32(mlpEntries['config.json']),
      };
      const file = await writeTempFile(folder, 'zeros.keras', deflatedZip([config, weights]));

      const started = Date.now();
      await expectInputError(() => loadKerasModel(file), file, /^The archive entry model\.weights\.h5 is not an HDF5 file: it has no HDF5 signature in its first 65544 bytes$/);
      // Inflating the whole entry before checking it took 14 s and 4 GB of memory on a 2-core machine.
      const elapsedMs = Date.now() - started;
      assert.ok(elapsedMs < 10_000, `rejected after ${elapsedMs} ms`);
    });

    it('build failure gets Keras advice', async () => {
      const config = new TextDecoder().decode(mlpEntries['config.json']).replace('"units": 128', '"units": -128');
      const file = await writeTempFile(folder, 'negative-units.keras', storedZip({ ...mlpEntries, 'config.json': config }));
      const error = await expectInputError(() => loadKerasModel(file), file, /cannot build the model from its Keras config: Expected units to be a positive integer, but got -128/);
      assert.match(error.fix, /keras\.models\.load_model\(\)/);
      assert.doesNotMatch(error.fix, /tensorflowjs_converter/);
    });

    it('missing weights entry', async () => {
      const { 'model.weights.h5': _weights, ...rest } = mlpEntries;
      const file = await writeTempFile(folder, 'no-weights.keras', storedZip(rest));
      await expectInputError(() => loadKerasModel(file), file, /has no model\.weights\.h5, so it holds no weights/);
    });

    it('NumPy weights entry', async () => {
      const { 'model.weights.h5': weights, ...rest } = mlpEntries;
      const file = await writeTempFile(folder, 'npz.keras', storedZip({ ...rest, 'model.weights.npz': weights }));
      await expectInputError(() => loadKerasModel(file), file, /keeps its weights in model\.weights\.npz/);
    });

    it('config not matching the weights', async () => {
      const config = new TextDecoder().decode(mlpEntries['config.json']).replace('"units": 128', '"units": 127');
      const file = await writeTempFile(folder, 'units.keras', storedZip({ ...mlpEntries, 'config.json': config }));
      await expectInputError(() => loadKerasModel(file), file, /Layer "dense_3" expects weight "dense_3\/kernel" of shape \[784, 127\], but the weight data has shape \[784, 128\]/);
    });

    it('weights of another model', async () => {
      const other = await readArchiveEntries(realFile('models', 'keras-mech-cnn-keras3', 'mnist_model.keras'));
      const file = await writeTempFile(folder, 'swapped.keras', storedZip({ ...mlpEntries, 'model.weights.h5': other['model.weights.h5'] }));
      await expectInputError(
        () => loadKerasModel(file),
        file,
        /records the layer "flatten" at \/layers\/flatten\/vars, where the order of config\.json puts layer "flatten_1"/,
      );
    });

    it('invalid config.json', async () => {
      const file = await writeTempFile(folder, 'bad-json.keras', storedZip({ ...mlpEntries, 'config.json': '{"class_name": "Sequential",' }));
      await expectInputError(() => loadKerasModel(file), file, /^The config\.json in the archive is not valid JSON/);
    });

    it('NaN weight inside', async () => {
      const weights = mlpEntries['model.weights.h5'];
      const reader = new Hdf5Reader('model.weights.h5', weights);
      const bias = reader.readFloatArray('/layers/dense_1/vars/1').values;
      const corrupt = Uint8Array.from(weights);
      new DataView(corrupt.buffer).setFloat32(findFloat32Run(corrupt, bias), Number.POSITIVE_INFINITY, true);
      const file = await writeTempFile(folder, 'inf.keras', storedZip({ ...mlpEntries, 'model.weights.h5': corrupt }));
      await expectInputError(() => loadKerasModel(file), file, /Weight "dense_4\/bias" contains Infinity at flat index 0/);
    });

    it('random damage gives InputErrors', async () => {
      const random = seededRandom(7);
      for (let trial = 0; trial < 20; trial++) {
        const damaged = Uint8Array.from(mlpEntries['model.weights.h5']);
        for (let i = 0; i < 1 + Math.floor(random() * 16); i++) {
          damaged[Math.floor(random() * 4096)] = Math.floor(random() * 256);
        }
        const file = await writeTempFile(folder, `damaged-${trial}.keras`, storedZip({ ...mlpEntries, 'model.weights.h5': damaged }));
        try {
          const loaded = await loadKerasModel(file);
          loaded.model.dispose();
        } catch (error) {
          assert.ok(error instanceof InputError, `trial ${trial}: ${String(error)}`);
        }
      }
    });
  });
});

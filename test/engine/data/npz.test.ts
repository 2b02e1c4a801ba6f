import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';

import { zipSync } from 'fflate';

import { listNpzEntries, readNpzArrays } from '../../../src/engine/data/npz';
import { realFile } from '../../realFiles';
import { expectInputError, float32Bytes, npyBytes } from './helpers';

const FILE = '/data/test.npz';
const LIMIT = 2 ** 31 - 1;
const XY = [
  { key: 'x', option: '--x-key' },
  { key: 'y', option: '--y-key' },
];

/** Builds an .npy file of `count` float32 zeros, which deflate compresses about 1000 to 1. */
function zerosNpy(count: number): Uint8Array {
  return npyBytes({ descr: '<f4', shape: [count], data: new Uint8Array(count * 4) });
}

/** Overwrites the declared uncompressed size of the only entry, in its local header and in the central directory. */
function declareUncompressedSize(zip: Uint8Array, size: number): Uint8Array {
  const patched = Buffer.from(zip);
  patched.writeUInt32LE(size, 22);
  const central = patched.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  assert.ok(central > 0, 'central directory header found');
  patched.writeUInt32LE(size, central + 24);
  return new Uint8Array(patched);
}

describe('readNpzArrays', () => {
  it('reads the real MNIST archive like its .npy files', () => {
    const file = realFile('data', 'mnist-1k', 'mnist-1k.npz');
    const arrays = readNpzArrays(fs.readFileSync(file), file, XY, LIMIT);
    const x = arrays.get('x')!;
    const y = arrays.get('y')!;

    assert.deepEqual(x.shape, [1000, 28, 28, 1]);
    assert.deepEqual(y.shape, [1000]);
    assert.equal(x.data[0 * 784 + 10 * 28 + 12], Math.fround(0.749));
    assert.equal(x.data[999 * 784 + 14 * 28 + 14], Math.fround(0.941));
    assert.deepEqual(Array.from(y.data.subarray(0, 10)), [4, 2, 2, 1, 7, 8, 3, 8, 5, 2]);
  });

  it('inflates a deflated archive', () => {
    const x = npyBytes({ descr: '<f4', shape: [2, 2], data: float32Bytes([1, 2, 3, 4]) });
    const y = npyBytes({ descr: '<i8', shape: [2], data: new Uint8Array(Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])) });
    const zip = zipSync({ 'x.npy': [x, { level: 9 }], 'y.npy': [y, { level: 9 }] });
    const arrays = readNpzArrays(zip, FILE, XY, LIMIT);

    assert.deepEqual(Array.from(arrays.get('x')!.data), [1, 2, 3, 4]);
    assert.deepEqual(Array.from(arrays.get('y')!.data), [1, 0]);
  });

  it('reads other keys when asked', () => {
    const zip = zipSync({ 'inputs.npy': zerosNpy(2), 'labels.npy': zerosNpy(2) });
    const arrays = readNpzArrays(zip, FILE, [{ key: 'inputs', option: '--x-key' }], LIMIT);
    assert.deepEqual(arrays.get('inputs')!.shape, [2]);
  });

  it('lists the keys when one is missing', async () => {
    const zip = zipSync({ 'inputs.npy': zerosNpy(2), 'labels.npy': zerosNpy(2) });
    await expectInputError(() => readNpzArrays(zip, FILE, XY, LIMIT), {
      file: FILE,
      problem: /no array "x" among its arrays "inputs", "labels"/,
      fix: /--x-key/,
    });
  });

  it('rejects a declared size over the limit before inflating', async () => {
    const zip = zipSync({ 'x.npy': [zerosNpy(2 * 1024 * 1024), { level: 9 }], 'y.npy': zerosNpy(1) });
    assert.ok(zip.length < 100 * 1024, `the bomb is small: ${zip.length} bytes`);

    await expectInputError(() => readNpzArrays(zip, FILE, XY, 1024 * 1024), {
      file: FILE,
      problem: /entry "x\.npy" declares 8\.0 MiB.*over the limit of 1\.0 MiB/,
      fix: /zip bomb/,
    });
  });

  it('rejects a declared size of 4 GiB under the default limit', async () => {
    const zip = declareUncompressedSize(zipSync({ 'x.npy': [zerosNpy(1000), { level: 9 }] }), 0xfffffff0);
    await expectInputError(() => readNpzArrays(zip, FILE, [XY[0]], LIMIT), { file: FILE, problem: /declares 4\.0 GiB/, fix: /zip bomb/ });
  });

  it('stops an entry that inflates past its declared size', async () => {
    // The entry declares 1000 bytes but inflates to 8 MiB.
    const zip = declareUncompressedSize(zipSync({ 'x.npy': [zerosNpy(2 * 1024 * 1024), { level: 9 }] }), 1000);
    const entries = listNpzEntries(zip, FILE);
    assert.equal(entries[0].uncompressedSize, 1000);

    await expectInputError(() => readNpzArrays(zip, FILE, [XY[0]], LIMIT), {
      file: FILE,
      problem: /entry "x\.npy" inflates to more than the 1000 bytes.*zip bomb/,
      fix: /Do not use this file/,
    });
  });

  it('rejects an entry shorter than declared', async () => {
    const zip = declareUncompressedSize(zipSync({ 'x.npy': [zerosNpy(100), { level: 9 }] }), 5000);
    await expectInputError(() => readNpzArrays(zip, FILE, [XY[0]], LIMIT), { file: FILE, problem: /inflates to 528 bytes, not the 4\.9 KiB/, fix: /again/ });
  });

  it('rejects path traversal entry names', async () => {
    for (const name of ['../x.npy', 'a/../../x.npy', '/etc/x.npy', 'C:/x.npy', 'a\\..\\x.npy']) {
      const zip = zipSync({ [name]: zerosNpy(1), 'y.npy': zerosNpy(1) });
      await expectInputError(() => readNpzArrays(zip, FILE, XY, LIMIT), {
        file: FILE,
        problem: new RegExp(`entry named ${JSON.stringify(name).replace(/[.\\/]/g, '\\$&')}.*absolute or leaves`),
        fix: /Do not use this file/,
      });
    }
  });

  it('rejects data that is not a zip archive', async () => {
    const corrupt = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200, 7)]);
    await expectInputError(() => readNpzArrays(corrupt, FILE, XY, LIMIT), { file: FILE, problem: /not a valid zip archive/, fix: /numpy\.savez/ });
  });

  it('reports an invalid .npy entry with the entry name', async () => {
    const zip = zipSync({ 'x.npy': npyBytes({ descr: '|O', shape: [1], data: new Uint8Array(4) }), 'y.npy': zerosNpy(1) });
    await expectInputError(() => readNpzArrays(zip, FILE, XY, LIMIT), { file: FILE, problem: /the \.npz entry "x\.npy" contains Python objects/, fix: /numeric dtype/ });
  });
});

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';

import { parseNpy } from '../../../src/engine/data/npy';
import { realFile } from '../../realFiles';
import { expectInputError, float32Bytes, npyBytes } from './helpers';

const FILE = '/data/test.npy';

describe('parseNpy', () => {
  describe('real MNIST sample', () => {
    // Expected values printed by numpy 2.4 from the same files.
    it('reads x.npy shape and values', () => {
      const file = realFile('data', 'mnist-1k', 'x.npy');
      const array = parseNpy(fs.readFileSync(file), file);

      assert.equal(array.dtype, 'float32');
      assert.equal(array.descr, '<f4');
      assert.deepEqual(array.shape, [1000, 28, 28, 1]);
      assert.equal(array.data.length, 1000 * 28 * 28);
      const at = (sample: number, row: number, column: number): number => array.data[sample * 784 + row * 28 + column];
      assert.equal(at(0, 10, 12), Math.fround(0.749));
      assert.equal(at(0, 10, 13), Math.fround(0.718));
      assert.equal(at(5, 14, 14), Math.fround(0.992));
      assert.equal(at(999, 14, 14), Math.fround(0.941));
      const sum = array.data.reduce((total, value) => total + value, 0);
      assert.ok(Math.abs(sum - 101117.82621264644) < 1e-6, `sum ${sum}`);
    });

    it('reads y.npy int32 labels', () => {
      const file = realFile('data', 'mnist-1k', 'y.npy');
      const array = parseNpy(fs.readFileSync(file), file);

      assert.equal(array.dtype, 'int32');
      assert.deepEqual(array.shape, [1000]);
      assert.deepEqual(Array.from(array.data.subarray(0, 10)), [4, 2, 2, 1, 7, 8, 3, 8, 5, 2]);
      assert.deepEqual(Array.from(array.data.subarray(995)), [1, 5, 8, 9, 6]);
      assert.equal(array.data.reduce((total, value) => total + value, 0), 4500);
    });
  });

  describe('dtypes and layouts', () => {
    it('reads big-endian float64', () => {
      const data = Buffer.alloc(24);
      [1.5, -2.25, 1e10].forEach((value, i) => data.writeDoubleBE(value, i * 8));
      const array = parseNpy(npyBytes({ descr: '>f8', shape: [3], data }), FILE);

      assert.equal(array.dtype, 'float64');
      assert.deepEqual(Array.from(array.data), [1.5, -2.25, Math.fround(1e10)]);
    });

    it('reads every integer dtype in both byte orders', () => {
      const cases: Array<{ descr: string; write: (buffer: Buffer, value: number, offset: number) => void; size: number; values: number[] }> = [
        { descr: '|i1', write: (b, v, o) => b.writeInt8(v, o), size: 1, values: [-128, 0, 127] },
        { descr: '|u1', write: (b, v, o) => b.writeUInt8(v, o), size: 1, values: [0, 1, 255] },
        { descr: '<i2', write: (b, v, o) => b.writeInt16LE(v, o), size: 2, values: [-32768, 5, 32767] },
        { descr: '>i2', write: (b, v, o) => b.writeInt16BE(v, o), size: 2, values: [-32768, 5, 32767] },
        { descr: '<u2', write: (b, v, o) => b.writeUInt16LE(v, o), size: 2, values: [0, 7, 65535] },
        { descr: '>u2', write: (b, v, o) => b.writeUInt16BE(v, o), size: 2, values: [0, 7, 65535] },
        { descr: '<i4', write: (b, v, o) => b.writeInt32LE(v, o), size: 4, values: [-70000, 3, 70000] },
        { descr: '>i4', write: (b, v, o) => b.writeInt32BE(v, o), size: 4, values: [-70000, 3, 70000] },
        { descr: '<u4', write: (b, v, o) => b.writeUInt32LE(v, o), size: 4, values: [0, 9, 4000000] },
        { descr: '>u4', write: (b, v, o) => b.writeUInt32BE(v, o), size: 4, values: [0, 9, 4000000] },
        { descr: '<i8', write: (b, v, o) => b.writeBigInt64LE(BigInt(v), o), size: 8, values: [-9, 0, 123456] },
        { descr: '>i8', write: (b, v, o) => b.writeBigInt64BE(BigInt(v), o), size: 8, values: [-9, 0, 123456] },
        { descr: '<u8', write: (b, v, o) => b.writeBigUInt64LE(BigInt(v), o), size: 8, values: [0, 2, 123456] },
        { descr: '>u8', write: (b, v, o) => b.writeBigUInt64BE(BigInt(v), o), size: 8, values: [0, 2, 123456] },
      ];
      for (const { descr, write, size, values } of cases) {
        const data = Buffer.alloc(size * values.length);
        values.forEach((value, i) => write(data, value, i * size));
        const array = parseNpy(npyBytes({ descr, shape: [values.length], data }), FILE);
        assert.deepEqual(Array.from(array.data), values, descr);
      }
    });

    it('reads bool and float16', () => {
      const bools = parseNpy(npyBytes({ descr: '|b1', shape: [3], data: Uint8Array.from([1, 0, 1]) }), FILE);
      assert.equal(bools.dtype, 'bool');
      assert.deepEqual(Array.from(bools.data), [1, 0, 1]);

      // 0x3c00 = 1, 0xc000 = −2, 0x3555 ≈ 0.33325, 0x0001 = 2^−24 (smallest subnormal).
      const halves = Buffer.alloc(8);
      [0x3c00, 0xc000, 0x3555, 0x0001].forEach((bits, i) => halves.writeUInt16BE(bits, i * 2));
      const floats = parseNpy(npyBytes({ descr: '>f2', shape: [4], data: halves }), FILE);
      assert.deepEqual(Array.from(floats.data), [1, -2, Math.fround(0.333251953125), Math.fround(2 ** -24)]);
    });

    it('transposes fortran_order data to C order', () => {
      // numpy.asfortranarray([[1, 2, 3], [4, 5, 6]]) stores its columns one after another.
      const bytes = npyBytes({ descr: '<f4', shape: [2, 3], fortranOrder: true, data: float32Bytes([1, 4, 2, 5, 3, 6]) });
      const array = parseNpy(bytes, FILE);

      assert.deepEqual(array.shape, [2, 3]);
      assert.deepEqual(Array.from(array.data), [1, 2, 3, 4, 5, 6]);
    });

    it('transposes rank-3 fortran_order data', () => {
      // Element [i, j, k] = 100i + 10j + k, written with i varying fastest.
      const shape = [2, 3, 4];
      const fileOrder: number[] = [];
      for (let k = 0; k < 4; k++) {
        for (let j = 0; j < 3; j++) {
          for (let i = 0; i < 2; i++) {
            fileOrder.push(100 * i + 10 * j + k);
          }
        }
      }
      const array = parseNpy(npyBytes({ descr: '<f4', shape, fortranOrder: true, data: float32Bytes(fileOrder) }), FILE);

      const expected: number[] = [];
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 3; j++) {
          for (let k = 0; k < 4; k++) {
            expected.push(100 * i + 10 * j + k);
          }
        }
      }
      assert.deepEqual(Array.from(array.data), expected);
    });

    it('reads format versions 2 and 3', () => {
      for (const version of [2, 3]) {
        const array = parseNpy(npyBytes({ descr: '<f4', shape: [2], data: float32Bytes([0.5, 8]), version }), FILE);
        assert.deepEqual(Array.from(array.data), [0.5, 8], `version ${version}`);
      }
    });

    it('reads Python 2 long integers in the shape', () => {
      const headerText = "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 1L), }";
      const array = parseNpy(npyBytes({ descr: '', shape: [], headerText, data: float32Bytes([3, 4]) }), FILE);
      assert.deepEqual(array.shape, [2, 1]);
    });

    it('reads data at an unaligned offset', () => {
      const bytes = npyBytes({ descr: '<f4', shape: [2], data: float32Bytes([7, 9]) });
      const shifted = new Uint8Array(bytes.length + 1);
      shifted.set(bytes, 1);
      const array = parseNpy(shifted.subarray(1), FILE);
      assert.deepEqual(Array.from(array.data), [7, 9]);
    });
  });

  describe('bad input', () => {
    it('rejects a truncated file', async () => {
      const bytes = npyBytes({ descr: '<f4', shape: [4, 2], data: float32Bytes([1, 2, 3, 4, 5]) });
      await expectInputError(() => parseNpy(bytes, FILE), {
        file: FILE,
        problem: /is truncated.*shape \[4, 2\] of float32.*32 bytes.*20 bytes/,
        fix: /cut short.*again/,
      });
    });

    it('rejects the real x.npy cut short', async () => {
      const file = realFile('data', 'mnist-1k', 'x.npy');
      const bytes = fs.readFileSync(file).subarray(0, 100000);
      await expectInputError(() => parseNpy(bytes, file), { file, problem: /is truncated.*\[1000, 28, 28, 1\]/, fix: /Copy or save it again/ });
    });

    it('rejects trailing bytes after the data', async () => {
      const bytes = npyBytes({ descr: '<f4', shape: [1], data: float32Bytes([1, 2]) });
      await expectInputError(() => parseNpy(bytes, FILE), { file: FILE, problem: /4 bytes after the data/, fix: /numpy\.save/ });
    });

    it('rejects a bad magic string', async () => {
      const bytes = Buffer.from('NUMPY but not really, just text with enough bytes');
      await expectInputError(() => parseNpy(bytes, FILE), { file: FILE, problem: /magic string/, fix: /numpy\.save/ });
    });

    it('rejects an object array without unpickling', async () => {
      // The data is a pickle that would call os.system if it were unpickled.
      const pickle = Buffer.from("cos\nsystem\n(S'echo unsafe'\ntR.", 'latin1');
      const bytes = npyBytes({ descr: '|O', shape: [1], data: pickle });
      await expectInputError(() => parseNpy(bytes, FILE), {
        file: FILE,
        problem: /Python objects.*never unpickles/,
        fix: /numeric dtype/,
      });
    });

    it('rejects a huge declared shape without allocating', async () => {
      const bytes = npyBytes({ descr: '<f8', shape: [1000000000, 1000000000], data: float32Bytes([1, 2]) });
      await expectInputError(() => parseNpy(bytes, FILE), { file: FILE, problem: /element count is too large/, fix: /numpy\.save/ });

      const large = npyBytes({ descr: '<f4', shape: [100000, 100000], data: float32Bytes([1]) });
      await expectInputError(() => parseNpy(large, FILE), { file: FILE, problem: /truncated.*\[100000, 100000\]/, fix: /again/ });
    });

    it('rejects NaN and infinite data', async () => {
      const bytes = npyBytes({ descr: '<f4', shape: [2, 2], data: float32Bytes([1, 2, NaN, Infinity]) });
      await expectInputError(() => parseNpy(bytes, FILE), {
        file: FILE,
        problem: /value at index \[1, 0\] of the array is NaN \(2 non-finite values in all\)/,
        fix: /nan_to_num/,
      });
    });

    it('rejects float64 beyond the float32 range', async () => {
      const data = Buffer.alloc(8);
      data.writeDoubleLE(1e300, 0);
      await expectInputError(() => parseNpy(npyBytes({ descr: '<f8', shape: [1], data }), FILE), { file: FILE, problem: /1e\+300.*float32 range/, fix: /Rescale/ });
    });

    it('rejects headers that are not plain literals', async () => {
      const cases = [
        "{'descr': __import__('os').system('true'), 'fortran_order': False, 'shape': (1,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
        "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1.5,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
        "[1, 2, 3]",
      ];
      for (const headerText of cases) {
        const bytes = npyBytes({ descr: '', shape: [], headerText, data: float32Bytes([1]) });
        await expectInputError(() => parseNpy(bytes, FILE), { file: FILE, problem: /header/, fix: /numpy\.save/ });
      }
    });

    it('rejects a header longer than numpy accepts', async () => {
      const headerText = `{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }${' '.repeat(20000)}`;
      const bytes = npyBytes({ descr: '', shape: [], headerText, data: float32Bytes([1]), version: 2 });
      await expectInputError(() => parseNpy(bytes, FILE), { file: FILE, problem: /header of \d+ bytes, more than the 10000/, fix: /numpy\.save/ });
    });

    it('rejects a header length past the end of the file', async () => {
      const bytes = npyBytes({ descr: '<f4', shape: [1], data: new Uint8Array(0) }).subarray(0, 40);
      await expectInputError(() => parseNpy(bytes, FILE), { file: FILE, problem: /truncated: it declares a header of 118 bytes/, fix: /again/ });
    });

    it('rejects unknown versions, strings, structured and complex dtypes', async () => {
      const version = npyBytes({ descr: '<f4', shape: [1], data: float32Bytes([1]) });
      version[6] = 4;
      await expectInputError(() => parseNpy(version, FILE), { file: FILE, problem: /version 4\.0/, fix: /numpy\.save/ });

      const strings = npyBytes({ descr: '<U5', shape: [1], data: new Uint8Array(20) });
      await expectInputError(() => parseNpy(strings, FILE), { file: FILE, problem: /strings/, fix: /class indices/ });

      const structured = npyBytes({ descr: '', shape: [], headerText: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", data: float32Bytes([1]) });
      await expectInputError(() => parseNpy(structured, FILE), { file: FILE, problem: /structured array/, fix: /field/ });

      const complex = npyBytes({ descr: '<c8', shape: [1], data: new Uint8Array(8) });
      await expectInputError(() => parseNpy(complex, FILE), { file: FILE, problem: /dtype "<c8".*not supported/, fix: /numpy\.save/ });
    });

    it('names the .npz entry in its messages', async () => {
      const bytes = npyBytes({ descr: '<f4', shape: [3], data: float32Bytes([1]) });
      await expectInputError(() => parseNpy(bytes, '/data/set.npz', 'x.npy'), { file: '/data/set.npz', problem: /^the \.npz entry "x\.npy" is truncated/, fix: /again/ });
    });
  });
});

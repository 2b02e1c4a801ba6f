import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';

import { parseJsonDataset } from '../../../src/engine/data/json';
import { realFile } from '../../realFiles';
import { expectInputError } from './helpers';

const FILE = '/data/set.json';

describe('parseJsonDataset', () => {
  it('reads the real iris rows', () => {
    const file = realFile('data', 'iris', 'iris.json');
    const dataset = parseJsonDataset(fs.readFileSync(file, 'utf8'), file);

    assert.deepEqual(dataset.xShape, [150, 4]);
    assert.deepEqual(dataset.yShape, [150]);
    assert.deepEqual(dataset.classNames, ['setosa', 'versicolor', 'virginica']);
    assert.equal(dataset.labelColumn, '4');
    assert.deepEqual(Array.from(dataset.x.subarray(0, 4)), [5.1, 3.5, 1.4, 0.2].map(Math.fround));
    assert.deepEqual(Array.from(dataset.x.subarray(596)), [5.9, 3, 5.1, 1.8].map(Math.fround));
    assert.equal(dataset.y[0], 0);
    assert.equal(dataset.y[149], 2);
    const counts = [0, 0, 0];
    dataset.y.forEach((label) => counts[label]++);
    assert.deepEqual(counts, [50, 50, 50]);
  });

  it('takes the label from a position in array rows', () => {
    const dataset = parseJsonDataset('[[0, 1, 2], [1, 3, 4]]', FILE, { labelColumn: '0' });
    assert.deepEqual(Array.from(dataset.y), [0, 1]);
    assert.deepEqual(Array.from(dataset.x), [1, 2, 3, 4]);
  });

  it('reads object rows with a default label key', () => {
    const dataset = parseJsonDataset('[{"a": 1, "color": "red", "target": 0.5}, {"a": 2, "color": "blue", "target": 1.5}]', FILE);

    assert.equal(dataset.labelColumn, 'target');
    assert.deepEqual(dataset.featureNames, ['a', 'color']);
    assert.deepEqual(Array.from(dataset.x), [1, 0, 2, 1]);
    assert.deepEqual(Array.from(dataset.y), [0.5, 1.5]);
    assert.deepEqual(dataset.categories, { color: ['red', 'blue'] });
  });

  it('reads an {x, y} object of nested arrays', () => {
    const dataset = parseJsonDataset('{"x": [[[1], [2]], [[3], [4]], [[5], [6]]], "y": [[0, 1], [1, 0], [0, 1]]}', FILE);

    assert.deepEqual(dataset.xShape, [3, 2, 1]);
    assert.deepEqual(dataset.yShape, [3, 2]);
    assert.deepEqual(Array.from(dataset.x), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(Array.from(dataset.y), [0, 1, 1, 0, 0, 1]);
    assert.equal(dataset.classNames, null);
  });

  it('keeps class names under a __proto__ key', () => {
    const dataset = parseJsonDataset('{"x": [[1], [2]], "__proto__": ["b", "a"]}', FILE, { yKey: '__proto__' });

    assert.deepEqual(dataset.classNames, ['b', 'a']);
    assert.deepEqual(Object.entries(dataset.categories), [['__proto__', ['b', 'a']]]);
  });

  it('reads other keys and class names in an {x, y} object', () => {
    const dataset = parseJsonDataset('{"inputs": [[1], [2]], "labels": ["b", "a"]}', FILE, { xKey: 'inputs', yKey: 'labels', categories: { labels: ['a', 'b'] } });
    assert.deepEqual(Array.from(dataset.y), [1, 0]);
    assert.deepEqual(dataset.classNames, ['a', 'b']);
  });

  describe('bad input', () => {
    it('rejects invalid JSON', async () => {
      await expectInputError(() => parseJsonDataset('[[1, 2], [3, 4]', FILE), { file: FILE, problem: /not valid JSON/, fix: /syntax/ });
    });

    it('gives the line and column of a syntax error', async () => {
      await expectInputError(() => parseJsonDataset('[\n  [1, 2],\n  [3 4]\n]', FILE), {
        file: FILE,
        problem: /^the file is not valid JSON: comma expected at line 3, column 6$/,
        fix: /at that line and column/,
      });
    });

    it('rejects nesting past the depth limit', async () => {
      const depth = 200_000;
      await expectInputError(() => parseJsonDataset(`{"x": ${'['.repeat(depth)}${']'.repeat(depth)}, "y": [0]}`, FILE), {
        file: FILE,
        problem: /nests objects and arrays more than 256 levels deep \(at line 1, column 262\)/,
        fix: /at most 16 dimensions/,
      });
    });

    it('names a model file given as data', async () => {
      const model = fs.readFileSync(realFile('models', 'tfjs-examples-abalone', 'model.json'), 'utf8');
      // A sidecar that names both the data and a label column gives labelColumn here.
      await expectInputError(() => parseJsonDataset(model, '/models/model.json', { labelColumn: 'rings' }), {
        file: '/models/model.json',
        problem: /^the data file is a TensorFlow\.js layers model \(it has a modelTopology\), not a dataset$/,
        fix: /sidecar field "data"/,
      });
    });

    it('names a sidecar given as data', async () => {
      await expectInputError(() => parseJsonDataset('{"data": "abalone.csv"}', '/models/model.hessian.json'), {
        file: '/models/model.hessian.json',
        problem: /is a Hessian Spectrum settings file/,
        fix: /sidecar field "data"/,
      });
    });

    // Keys that exist on every object's prototype must count only when the file has them.
    it('finds no x or y key on the prototype', async () => {
      await expectInputError(() => parseJsonDataset('{"x": [[1], [2]], "y": [0, 1]}', FILE, { yKey: 'constructor' }), {
        file: FILE,
        problem: /no key "constructor" among its keys "x", "y"/,
        fix: /--y-key/,
      });
    });

    it('finds no row key on the prototype', async () => {
      await expectInputError(() => parseJsonDataset('[{"toString": 1, "y": 0}, {"y": 1, "z": 2}]', FILE), {
        file: FILE,
        problem: /row at index 1 lacks the key "toString"/,
        fix: /same keys/,
      });
    });

    it('rejects ragged array rows', async () => {
      await expectInputError(() => parseJsonDataset('[[1, 2, 0], [3, 1]]', FILE), {
        file: FILE,
        problem: /row at index 1 has 2 elements but the first row has 3/,
        fix: /same number of elements/,
      });
    });

    it('rejects object rows with different keys', async () => {
      await expectInputError(() => parseJsonDataset('[{"a": 1, "y": 0}, {"a": 2, "z": 1}]', FILE), {
        file: FILE,
        problem: /row at index 1 lacks the key "y"/,
        fix: /same keys/,
      });
    });

    it('rejects ambiguous default label keys', async () => {
      await expectInputError(() => parseJsonDataset('[{"a": 1, "y": 0, "label": 1}]', FILE), {
        file: FILE,
        problem: /several columns could be the label \("y", "label"\)/,
        fix: /--label-column/,
      });
    });

    it('rejects ragged nested inputs', async () => {
      await expectInputError(() => parseJsonDataset('{"x": [[1, 2], [3]], "y": [0, 1]}', FILE), {
        file: FILE,
        problem: /x\[1\] is an array of 1, but the first entries give the shape \[2, 2\]/,
        fix: /same shape/,
      });
    });

    it('rejects infinite numbers', async () => {
      await expectInputError(() => parseJsonDataset('{"x": [[1, 1e400]], "y": [0]}', FILE), {
        file: FILE,
        problem: /value at index \[0, 1\] of the array "x" is Infinity/,
        fix: /NaN and infinite/,
      });
    });

    it('lists the keys when x is missing', async () => {
      await expectInputError(() => parseJsonDataset('{"inputs": [[1]], "y": [0]}', FILE), {
        file: FILE,
        problem: /no key "x" among its keys "inputs", "y"/,
        fix: /--x-key/,
      });
    });

    it('rejects a label position out of range', async () => {
      await expectInputError(() => parseJsonDataset('[[1, 2]]', FILE, { labelColumn: '5' }), {
        file: FILE,
        problem: /position from 0 to 1.*not "5"/,
        fix: /--label-column/,
      });
    });

    it('rejects nested cells in rows', async () => {
      await expectInputError(() => parseJsonDataset('[[1, [2, 3], 0]]', FILE), { file: FILE, problem: /row at index 0, position 1 is an array of 2/, fix: /\{"x": nested arrays/ });
    });

    it('rejects a file that is not a dataset', async () => {
      await expectInputError(() => parseJsonDataset('42', FILE), { file: FILE, problem: /contains the number 42, not a dataset/, fix: /array of rows/ });
    });
  });
});

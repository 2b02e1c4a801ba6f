import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { zipSync } from 'fflate';

import { loadDataset } from '../../../src/engine/data/loadDataset';
import { UsageError } from '../../../src/engine/errors';
import { realFile } from '../../realFiles';
import { expectInputError, float32Bytes, npyBytes, useTemporaryFolder, writeFile } from './helpers';

describe('loadDataset', () => {
  const folder = useTemporaryFolder();

  describe('real files', () => {
    it('reads x.npy with y.npy', async () => {
      const dataset = await loadDataset({ path: realFile('data', 'mnist-1k', 'x.npy'), labelsPath: realFile('data', 'mnist-1k', 'y.npy') });

      assert.deepEqual(dataset.xShape, [1000, 28, 28, 1]);
      assert.deepEqual(dataset.yShape, [1000]);
      assert.equal(dataset.inputsPath, realFile('data', 'mnist-1k', 'x.npy'));
      assert.equal(dataset.labelsPath, realFile('data', 'mnist-1k', 'y.npy'));
      assert.equal(dataset.x[999 * 784 + 14 * 28 + 14], Math.fround(0.941));
      assert.equal(dataset.y[4], 7);
    });

    it('reads the .npz with the same values', async () => {
      const fromNpz = await loadDataset({ path: realFile('data', 'mnist-1k', 'mnist-1k.npz') });
      const fromNpy = await loadDataset({ path: realFile('data', 'mnist-1k', 'x.npy'), labelsPath: realFile('data', 'mnist-1k', 'y.npy') });

      assert.deepEqual(fromNpz.xShape, fromNpy.xShape);
      assert.ok(fromNpz.x.every((value, i) => value === fromNpy.x[i]), 'inputs equal');
      assert.ok(fromNpz.y.every((value, i) => value === fromNpy.y[i]), 'labels equal');
      assert.equal(fromNpz.labelsPath, null);
    });

    it('reads abalone CSV and iris JSON', async () => {
      const abalone = await loadDataset({ path: realFile('data', 'abalone', 'abalone.csv'), labelColumn: 'rings', categories: { sex: ['F', 'M', 'I'] } });
      assert.deepEqual(abalone.xShape, [4176, 8]);
      assert.equal(abalone.x[0], 1);

      const iris = await loadDataset({ path: realFile('data', 'iris', 'iris.json') });
      assert.deepEqual(iris.xShape, [150, 4]);
      assert.deepEqual(iris.classNames, ['setosa', 'versicolor', 'virginica']);
    });
  });

  describe('format detection', () => {
    it('detects .npz content whatever the extension', async () => {
      const zip = zipSync({ 'x.npy': npyBytes({ descr: '<f4', shape: [2, 1], data: float32Bytes([1, 2]) }), 'y.npy': npyBytes({ descr: '<f4', shape: [2], data: float32Bytes([0, 1]) }) });
      const file = await writeFile(folder(), 'archive.npy', zip);
      const dataset = await loadDataset({ path: file });
      assert.deepEqual(Array.from(dataset.x), [1, 2]);
    });

    it('detects JSON text without a .json extension', async () => {
      const file = await writeFile(folder(), 'rows.txt', '  [[1, 2, 0], [3, 4, 1]]');
      const dataset = await loadDataset({ path: file });
      assert.deepEqual(dataset.xShape, [2, 2]);
    });

    it('resolves relative paths against the working directory', async () => {
      const file = await writeFile(folder(), 'relative.csv', 'a,y\n1,2\n');
      const dataset = await loadDataset({ path: path.relative(process.cwd(), file), labelColumn: 'y' });
      assert.equal(dataset.inputsPath, file);
    });
  });

  describe('bad input', () => {
    it('reports a missing file with the working directory', async () => {
      const file = path.join(folder(), 'missing.npz');
      await expectInputError(() => loadDataset({ path: file }), { file, problem: /data file was not found/, fix: /working directory/ });
    });

    it('reports a directory and suggests files inside it', async () => {
      const directory = path.dirname(realFile('data', 'mnist-1k', 'x.npy'));
      await expectInputError(() => loadDataset({ path: directory }), { file: directory, problem: /is a directory/, fix: /"mnist-1k\.npz", "x\.npy", "y\.npy"/ });
    });

    it('reports an unreadable file', async function () {
      if (process.getuid?.() === 0) {
        // Root reads files whatever their mode, so the permission check cannot be provoked.
        this.skip();
      }
      const file = await writeFile(folder(), 'locked.csv', 'a,y\n1,2\n');
      await fs.promises.chmod(file, 0o000);
      await expectInputError(() => loadDataset({ path: file, labelColumn: 'y' }), { file, problem: /permission denied/, fix: /Grant read permission/ });
    });

    it('names a symbolic link loop', async () => {
      const first = path.join(folder(), 'loop-a.csv');
      const second = path.join(folder(), 'loop-b.csv');
      await fs.promises.symlink(second, first);
      await fs.promises.symlink(first, second);

      await expectInputError(() => loadDataset({ path: first, labelColumn: 'y' }), { file: first, problem: /is a symbolic link loop/, fix: /Point the link at the data file/ });
    });

    it('names a model file given as data', async () => {
      const model = await writeFile(folder(), 'model.json', fs.readFileSync(realFile('models', 'tfjs-examples-abalone', 'model.json')));

      await expectInputError(() => loadDataset({ path: model, labelColumn: 'rings' }), {
        file: model,
        problem: /the data file is a TensorFlow\.js layers model/,
        fix: /--data \(or the sidecar field "data"\)/,
      });
    });

    it('rejects a file over the size limit before reading it', async () => {
      const file = realFile('data', 'mnist-1k', 'mnist-1k.npz');
      await expectInputError(() => loadDataset({ path: file }, { maxFileBytes: 1024 * 1024 }), {
        file,
        problem: /has 3\.0 MiB .* over the limit of 1\.0 MiB/,
        fix: /Save a smaller sample of the data/,
      });
    });

    it('rejects an uncompressed entry over the limit', async () => {
      const file = realFile('data', 'mnist-1k', 'mnist-1k.npz');
      await expectInputError(() => loadDataset({ path: file }, { maxUncompressedBytes: 1024 * 1024 }), { file, problem: /entry "x\.npy" declares 3\.0 MiB/, fix: /save a smaller sample of it with numpy\.savez/ });
    });

    it('rejects an empty file', async () => {
      const file = await writeFile(folder(), 'empty.csv', '');
      await expectInputError(() => loadDataset({ path: file }), { file, problem: /is empty/, fix: /write it again/ });
    });

    it('rejects .npy inputs without a labels file', async () => {
      const file = realFile('data', 'mnist-1k', 'x.npy');
      await expectInputError(() => loadDataset({ path: file }), { file, problem: /contains only the inputs/, fix: /--labels/ });
    });

    it('rejects a labels count mismatch', async () => {
      const labels = await writeFile(folder(), 'short-labels.npy', npyBytes({ descr: '<f4', shape: [999], data: new Uint8Array(999 * 4) }));
      const inputs = realFile('data', 'mnist-1k', 'x.npy');
      await expectInputError(() => loadDataset({ path: inputs, labelsPath: labels }), {
        file: labels,
        problem: new RegExp(`labels have 999 entries \\(shape \\[999\\]\\) but the inputs file ${inputs.replace(/[.]/g, '\\.')} has 1000 samples`),
        fix: /one label per input sample/,
      });
    });

    it('rejects NaN in the data', async () => {
      const file = await writeFile(folder(), 'nan.npz', zipSync({ 'x.npy': npyBytes({ descr: '<f4', shape: [2], data: float32Bytes([1, NaN]) }), 'y.npy': npyBytes({ descr: '<f4', shape: [2], data: float32Bytes([0, 1]) }) }));
      await expectInputError(() => loadDataset({ path: file }), { file, problem: /value at index \[1\] of the array "x\.npy" is NaN/, fix: /nan_to_num/ });
    });

    it('rejects a text file named .npy', async () => {
      const file = await writeFile(folder(), 'fake.npy', 'a,b\n1,2\n');
      await expectInputError(() => loadDataset({ path: file, labelsPath: file }), { file, problem: /magic string/, fix: /numpy\.save/ });
    });

    it('rejects options that do not apply to the format', async () => {
      const file = realFile('data', 'mnist-1k', 'mnist-1k.npz');
      await expectInputError(() => loadDataset({ path: file, labelColumn: 'y' }), { file, problem: /an \.npz archive, to which --label-column/, fix: /Remove that option/ });
    });

    it('rejects binary files of unknown format', async () => {
      const file = await writeFile(folder(), 'data.bin', new Uint8Array([1, 0, 2, 0]));
      await expectInputError(() => loadDataset({ path: file }), { file, problem: /NUL bytes/, fix: /UTF-8/ });
    });

    it('rejects invalid UTF-8 text', async () => {
      const file = await writeFile(folder(), 'latin1.csv', Buffer.from('a,y\n\xe9,1\n', 'latin1'));
      await expectInputError(() => loadDataset({ path: file, labelColumn: 'y' }), { file, problem: /not valid UTF-8/, fix: /UTF-8 encoding/ });
    });

    it('rejects hostile files written to disk', async () => {
      const labels = await writeFile(folder(), 'labels.npy', npyBytes({ descr: '<f4', shape: [2], data: float32Bytes([0, 1]) }));
      const truncated = await writeFile(folder(), 'truncated.npy', npyBytes({ descr: '<f4', shape: [2, 3], data: float32Bytes([1, 2, 3]) }));
      const objects = await writeFile(folder(), 'objects.npy', npyBytes({ descr: '|O', shape: [2], data: Buffer.from('cos\nsystem\n.') }));
      const zerosEntry = npyBytes({ descr: '<f4', shape: [1024 * 1024], data: new Uint8Array(4 * 1024 * 1024) });
      const bomb = await writeFile(folder(), 'bomb.npz', zipSync({ 'x.npy': [zerosEntry, { level: 1 }], 'y.npy': zerosEntry }));
      const traversal = await writeFile(folder(), 'traversal.npz', zipSync({ '../../x.npy': zerosEntry, 'y.npy': zerosEntry }));
      const ragged = await writeFile(folder(), 'ragged.csv', 'a,b,y\n1,2,0\n3,4,1,9\n');

      await expectInputError(() => loadDataset({ path: truncated, labelsPath: labels }), { file: truncated, problem: /is truncated/, fix: /Copy or save it again/ });
      await expectInputError(() => loadDataset({ path: objects, labelsPath: labels }), { file: objects, problem: /Python objects/, fix: /numeric dtype/ });
      await expectInputError(() => loadDataset({ path: bomb }, { maxUncompressedBytes: 1024 * 1024 }), { file: bomb, problem: /declares 4\.0 MiB/, fix: /zip bomb/ });
      await expectInputError(() => loadDataset({ path: traversal }), { file: traversal, problem: /entry named "\.\.\/\.\.\/x\.npy"/, fix: /Do not use this file/ });
      await expectInputError(() => loadDataset({ path: ragged, labelColumn: 'y' }), { file: ragged, problem: /line 3 has 4 fields but the header has 3/, fix: /comma-separated/ });
    });

    it('rejects an empty path as a usage error', async () => {
      await assert.rejects(() => loadDataset({ path: '' }), UsageError);
    });
  });
});

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { loadDataset } from '../../../src/engine/data/loadDataset';
import { dataSpecFromSidecar, readSidecar, sidecarPathFor, writeSidecar } from '../../../src/engine/data/sidecar';
import { realFile } from '../../realFiles';
import { expectInputError, useTemporaryFolder, writeFile } from './helpers';

describe('sidecar', () => {
  const folder = useTemporaryFolder();

  /** Makes a model folder with a sidecar of the given text and returns the model path. */
  async function modelWithSidecar(name: string, sidecarText: string): Promise<string> {
    const modelFolder = path.join(folder(), name);
    await fs.promises.mkdir(modelFolder, { recursive: true });
    const modelPath = path.join(modelFolder, 'model.json');
    await writeFile(modelFolder, 'model.hessian.json', sidecarText);
    return modelPath;
  }

  describe('sidecarPathFor', () => {
    it('replaces the last extension of the model file', () => {
      assert.equal(sidecarPathFor('/models/mnist.json'), '/models/mnist.hessian.json');
      assert.equal(sidecarPathFor('/models/model.h5'), '/models/model.hessian.json');
      assert.equal(sidecarPathFor('/models/my.net.keras'), '/models/my.net.hessian.json');
      assert.equal(sidecarPathFor('/models/model'), '/models/model.hessian.json');
    });

    it('resolves a relative model path', () => {
      assert.equal(sidecarPathFor('mnist.json'), path.join(process.cwd(), 'mnist.hessian.json'));
    });
  });

  describe('readSidecar', () => {
    it('returns null when there is no sidecar', async () => {
      assert.equal(await readSidecar(path.join(folder(), 'none', 'model.json')), null);
    });

    it('resolves data paths against the sidecar folder', async () => {
      const modelPath = await modelWithSidecar('relative', '{"data": "../data/x.npy", "labels": "y.npy", "loss": "mse", "samples": 100, "seed": 3, "output": 7}');
      const sidecar = await readSidecar(modelPath);

      assert.equal(sidecar?.data, path.join(folder(), 'data', 'x.npy'));
      assert.equal(sidecar?.labels, path.join(folder(), 'relative', 'y.npy'));
      assert.equal(sidecar?.loss, 'mean_squared_error');
      assert.equal(sidecar?.samples, 100);
      assert.equal(sidecar?.seed, 3);
      assert.equal(sidecar?.output, 7);
    });

    it('keeps absolute data paths', async () => {
      const data = realFile('data', 'abalone', 'abalone.csv');
      const modelPath = await modelWithSidecar('absolute', JSON.stringify({ data, labelColumn: 'rings', categories: { sex: ['F', 'M', 'I'] } }));
      const sidecar = await readSidecar(modelPath);
      assert.equal(sidecar?.data, data);
    });

    it('gives a data spec that loads', async () => {
      const data = realFile('data', 'abalone', 'abalone.csv');
      const modelPath = await modelWithSidecar('spec', JSON.stringify({ data, labelColumn: 'rings', categories: { sex: ['F', 'M', 'I'] }, seed: 1 }));
      const spec = dataSpecFromSidecar((await readSidecar(modelPath))!);

      assert.deepEqual(spec, { path: data, labelColumn: 'rings', categories: { sex: ['F', 'M', 'I'] } });
      const dataset = await loadDataset(spec!);
      assert.deepEqual(dataset.categories.sex, ['F', 'M', 'I']);
    });

    it('rejects each field of the wrong type', async () => {
      const cases: Array<[string, unknown, RegExp]> = [
        ['data', 5, /"data" must be a non-empty string, not 5/],
        ['labels', '', /"labels" must be a non-empty string/],
        ['labelColumn', ['rings'], /"labelColumn" must be a non-empty string, not \["rings"\]/],
        ['xKey', null, /"xKey" must be a non-empty string, not null/],
        ['yKey', true, /"yKey" must be a non-empty string, not true/],
        ['loss', 'hinge', /"loss" must be one of the losses categorical_crossentropy, .*mean_absolute_error, not "hinge"/],
        ['samples', 0, /"samples" must be a positive integer, not 0/],
        ['samples', '100', /"samples" must be a positive integer, not "100"/],
        ['seed', 1.5, /"seed" must be a non-negative integer, not 1\.5/],
        // --seed rejects negative seeds, so the sidecar does too.
        ['seed', -5, /"seed" must be a non-negative integer, not -5/],
        ['output', -1, /"output" must be a non-negative integer, not -1/],
        ['categories', ['F', 'M'], /"categories" must be an object mapping column names/],
        ['categories', { sex: 'FMI' }, /"categories" gives "FMI" for column "sex"/],
        ['categories', { sex: ['F', 'F'] }, /lists "F" twice for column "sex"/],
      ];
      for (const [index, [field, value, problem]] of cases.entries()) {
        const modelPath = await modelWithSidecar(`wrong-${index}`, JSON.stringify({ [field]: value }));
        await expectInputError(() => readSidecar(modelPath), { file: sidecarPathFor(modelPath), problem, fix: /Write|List each category once/ });
      }
    });

    it('rejects unknown fields with a suggestion', async () => {
      const modelPath = await modelWithSidecar('typo', '{"lableColumn": "rings"}');
      await expectInputError(() => readSidecar(modelPath), {
        file: sidecarPathFor(modelPath),
        problem: /unknown field "lableColumn" \(did you mean "labelColumn"\?\)/,
        fix: /Use only the fields data, labels, labelColumn/,
      });
    });

    it('keeps categories of a __proto__ column', async () => {
      const modelPath = await modelWithSidecar('proto-column', '{"categories": {"__proto__": ["F", "M"]}}');
      const sidecar = await readSidecar(modelPath);

      assert.deepEqual(Object.entries(sidecar?.categories ?? {}), [['__proto__', ['F', 'M']]]);
    });

    it('rejects a deeply nested field value', async () => {
      // Quoting the value in the message would call JSON.stringify, which overflows the stack at this depth.
      const depth = 200_000;
      const modelPath = await modelWithSidecar('deep', `{"samples": ${'['.repeat(depth)}${']'.repeat(depth)}}`);
      await expectInputError(() => readSidecar(modelPath), {
        file: sidecarPathFor(modelPath),
        problem: /^the sidecar nests objects and arrays more than 256 levels deep \(at line 1, column 268\)$/,
        fix: /flat JSON object/,
      });
    });

    it('gives the line and column of a syntax error', async () => {
      const modelPath = await modelWithSidecar('syntax', '{\n  "data": "x.npz"\n  "loss": "mse"\n}');
      await expectInputError(() => readSidecar(modelPath), {
        file: sidecarPathFor(modelPath),
        problem: /^the sidecar is not valid JSON: comma expected at line 3, column 3$/,
        fix: /Fix the JSON syntax at that line and column/,
      });
    });

    it('rejects invalid JSON and non-objects', async () => {
      const broken = await modelWithSidecar('broken', '{"data": ');
      await expectInputError(() => readSidecar(broken), { file: sidecarPathFor(broken), problem: /not valid JSON/, fix: /Fix the JSON syntax at that line and column/ });

      const list = await modelWithSidecar('list', '["data.npz"]');
      await expectInputError(() => readSidecar(list), { file: sidecarPathFor(list), problem: /an array, not a JSON object/, fix: /Write an object/ });
    });
  });

  describe('writeSidecar', () => {
    it('writes paths relative to the sidecar folder and reads them back', async () => {
      const modelFolder = path.join(folder(), 'written');
      await fs.promises.mkdir(modelFolder);
      const modelPath = path.join(modelFolder, 'mnist.json');
      const data = path.join(folder(), 'data', 'mnist-1k.npz');

      const sidecarPath = await writeSidecar(modelPath, { data, labelColumn: undefined, loss: 'sparse_categorical_crossentropy', samples: 500, seed: 0, output: 7 });
      assert.equal(sidecarPath, path.join(modelFolder, 'mnist.hessian.json'));

      const written = JSON.parse(await fs.promises.readFile(sidecarPath, 'utf8'));
      assert.deepEqual(written, { data: '../data/mnist-1k.npz', loss: 'sparse_categorical_crossentropy', samples: 500, seed: 0, output: 7 });
      const readBack = await readSidecar(modelPath);
      assert.equal(readBack?.data, data);
      assert.deepEqual(await fs.promises.readdir(modelFolder), ['mnist.hessian.json']);
    });

    it('rejects invalid fields without writing', async () => {
      const modelFolder = path.join(folder(), 'invalid-write');
      await fs.promises.mkdir(modelFolder);
      const modelPath = path.join(modelFolder, 'model.h5');

      await expectInputError(() => writeSidecar(modelPath, { samples: -5 }), { file: path.join(modelFolder, 'model.hessian.json'), problem: /"samples" must be a positive integer/, fix: /Write/ });
      assert.deepEqual(await fs.promises.readdir(modelFolder), []);
    });
  });
});

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';

import { parseCsvDataset } from '../../../src/engine/data/csv';
import { realFile } from '../../realFiles';
import { expectInputError } from './helpers';

const FILE = '/data/table.csv';
const ABALONE_FEATURES = ['sex', 'length', 'diameter', 'height', 'weight.w', 'weight.s', 'weight.v', 'weight.sh'];

describe('parseCsvDataset', () => {
  describe('real abalone data', () => {
    const file = realFile('data', 'abalone', 'abalone.csv');
    const text = fs.readFileSync(file, 'utf8');

    it('maps sex as the given categories', () => {
      const dataset = parseCsvDataset(text, file, { labelColumn: 'rings', categories: { sex: ['F', 'M', 'I'] } });

      // The file has a header and 4176 data lines (counted with Python's csv module).
      assert.deepEqual(dataset.xShape, [4176, 8]);
      assert.deepEqual(dataset.yShape, [4176]);
      assert.deepEqual(dataset.featureNames, ABALONE_FEATURES);
      assert.equal(dataset.labelColumn, 'rings');
      assert.equal(dataset.classNames, null);
      assert.deepEqual(dataset.categories, { sex: ['F', 'M', 'I'] });
      // First line: M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15
      assert.deepEqual(Array.from(dataset.x.subarray(0, 8)), [1, 0.455, 0.365, 0.095, 0.514, 0.2245, 0.101, 0.15].map(Math.fround));
      assert.equal(dataset.y[0], 15);
      // Third line starts with F; fifth with I.
      assert.equal(dataset.x[2 * 8], 0);
      assert.equal(dataset.x[4 * 8], 2);
      assert.equal(dataset.y.reduce((total, value) => total + value, 0), 41483);
    });

    it('counts each sex category', () => {
      const dataset = parseCsvDataset(text, file, { labelColumn: 'rings', categories: { sex: ['F', 'M', 'I'] } });
      const counts = [0, 0, 0];
      for (let row = 0; row < 4176; row++) {
        counts[dataset.x[row * 8]]++;
      }
      assert.deepEqual(counts, [1306, 1528, 1342]);
    });

    it('orders categories by first appearance by default', () => {
      const dataset = parseCsvDataset(text, file, { labelColumn: 'rings' });
      assert.deepEqual(dataset.categories, { sex: ['M', 'F', 'I'] });
      assert.equal(dataset.x[0], 0);
      assert.equal(dataset.x[2 * 8], 1);
    });
  });

  it('maps a text label column to classes', () => {
    const dataset = parseCsvDataset('a,b,kind\n1,2,cat\n3,4,dog\n5,6,cat\n', FILE, { labelColumn: 'kind' });

    assert.deepEqual(Array.from(dataset.y), [0, 1, 0]);
    assert.deepEqual(dataset.classNames, ['cat', 'dog']);
    assert.deepEqual(dataset.categories, { kind: ['cat', 'dog'] });
    assert.deepEqual(Array.from(dataset.x), [1, 2, 3, 4, 5, 6]);
  });

  it('takes a column named label by default', () => {
    const dataset = parseCsvDataset('a,Label,b\n1,0,2\n3,1,4\n', FILE);
    assert.equal(dataset.labelColumn, 'Label');
    assert.deepEqual(Array.from(dataset.x), [1, 2, 3, 4]);
  });

  it('reads quoted fields, a byte order mark and CRLF lines', () => {
    const dataset = parseCsvDataset('\uFEFFa,"b,c",y\r\n1,"2",x\r\n3,4,"x"\r\n', FILE, { labelColumn: 'y' });
    assert.deepEqual(dataset.featureNames, ['a', 'b,c']);
    assert.deepEqual(Array.from(dataset.x), [1, 2, 3, 4]);
  });

  describe('bad input', () => {
    it('rejects a ragged row with its line', async () => {
      await expectInputError(() => parseCsvDataset('a,b,y\n1,2,0\n3,0\n', FILE, { labelColumn: 'y' }), {
        file: FILE,
        problem: /line 3 has 2 fields but the header has 3/,
        fix: /as many comma-separated fields/,
      });
    });

    it('lists the columns for an unknown label column', async () => {
      await expectInputError(() => parseCsvDataset('sex,length,rings\nM,1,2\n', FILE, { labelColumn: 'Rings' }), {
        file: FILE,
        problem: /label column "Rings" is not among the columns "sex", "length", "rings" \(did you mean "rings"\?\)/,
        fix: /--label-column/,
      });
    });

    it('asks for a label column when none is named', async () => {
      await expectInputError(() => parseCsvDataset('a,b\n1,2\n', FILE), { file: FILE, problem: /no label column was given.*"a", "b"/, fix: /--label-column/ });
    });

    it('rejects an empty cell with its line', async () => {
      await expectInputError(() => parseCsvDataset('a,b,y\n1,2,0\n3,,1\n', FILE, { labelColumn: 'y' }), {
        file: FILE,
        problem: /line 3, column "b" is empty/,
        fix: /Fill in/,
      });
    });

    it('rejects NaN cells', async () => {
      await expectInputError(() => parseCsvDataset('a,y\n1,0\nNaN,1\n', FILE, { labelColumn: 'y' }), {
        file: FILE,
        problem: /line 3, column "a" has the value "NaN", which is not a finite number/,
        fix: /Replace NaN/,
      });
      await expectInputError(() => parseCsvDataset('a,y\n1,0\n2,-inf\n', FILE, { labelColumn: 'y' }), {
        file: FILE,
        problem: /line 3, column "y" has the value "-inf"/,
        fix: /Replace NaN/,
      });
    });

    it('rejects a column that mixes numbers and text', async () => {
      await expectInputError(() => parseCsvDataset('a,y\n1,0\n2,1\nabc,1\n', FILE, { labelColumn: 'y' }), {
        file: FILE,
        problem: /mixes numbers and text: line 2, column "a" has 1 but line 4, column "a" has "abc"/,
        fix: /categories/,
      });
    });

    it('calls NA in a numeric column a missing value', async () => {
      await expectInputError(() => parseCsvDataset('a,y\n1,0\nNA,1\n', FILE, { labelColumn: 'y' }), {
        file: FILE,
        problem: /line 3, column "a" has "NA", a missing value/,
        fix: /Fill in/,
      });
    });

    it('rejects a value outside the given categories', async () => {
      await expectInputError(() => parseCsvDataset('sex,y\nF,1\nX,2\n', FILE, { labelColumn: 'y', categories: { sex: ['F', 'M', 'I'] } }), {
        file: FILE,
        problem: /line 3, column "sex" has the value "X", which is not among the given categories "F", "M", "I"/,
        fix: /Add the value/,
      });
    });

    it('ignores Object methods as category columns', () => {
      // Without an own-property check, categories["constructor"] finds Object and the parser fails with a TypeError.
      const dataset = parseCsvDataset('constructor,y\n1,a\n2,b\n', FILE, { labelColumn: 'y', categories: { y: ['b', 'a'] } });

      assert.deepEqual(Array.from(dataset.x), [1, 2]);
      assert.deepEqual(Array.from(dataset.y), [1, 0]);
    });

    it('keeps categories of a __proto__ column', () => {
      const dataset = parseCsvDataset('__proto__,y\nF,1\nM,2\n', FILE, { labelColumn: 'y' });

      assert.deepEqual(Object.entries(dataset.categories), [['__proto__', ['F', 'M']]]);
    });

    it('rejects categories for a column the file lacks', async () => {
      await expectInputError(() => parseCsvDataset('a,y\n1,2\n', FILE, { labelColumn: 'y', categories: { sex: ['F'] } }), {
        file: FILE,
        problem: /categories are given for column "sex", which is not among the columns "a", "y"/,
        fix: /column name/,
      });
    });

    it('rejects a file without a header', async () => {
      await expectInputError(() => parseCsvDataset('1,2,3\n4,5,6\n', FILE), { file: FILE, problem: /only numbers, so the file has no header/, fix: /header line/ });
    });

    it('rejects duplicate and empty header names', async () => {
      await expectInputError(() => parseCsvDataset('a,a,y\n1,2,3\n', FILE), { file: FILE, problem: /names the column "a" twice/, fix: /distinct/ });
      await expectInputError(() => parseCsvDataset('a,,y\n1,2,3\n', FILE), { file: FILE, problem: /field 2 is empty/, fix: /Name every column/ });
    });

    it('points semicolon files to commas', async () => {
      await expectInputError(() => parseCsvDataset('a;b;y\n1;2;3\n', FILE), { file: FILE, problem: /single column "a;b;y"/, fix: /commas/ });
    });

    it('rejects an unclosed quote', async () => {
      await expectInputError(() => parseCsvDataset('a,y\n"1,2\n', FILE, { labelColumn: 'y' }), { file: FILE, problem: /could not be parsed.*Quote Not Closed/, fix: /quoting/ });
    });

    it('rejects a header without data rows', async () => {
      await expectInputError(() => parseCsvDataset('a,y\n', FILE, { labelColumn: 'y' }), { file: FILE, problem: /no data rows/, fix: /at least one row/ });
    });
  });
});

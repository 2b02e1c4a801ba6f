import * as assert from 'node:assert/strict';
import { CancelledError } from '../../../src/engine/errors';
import { asymmetry, denseOperator, materializeOperator, matrixFromRows, symmetricPart } from '../../../src/engine/linalg/denseMatrix';
import { applyOperator, type SymmetricOperator } from '../../../src/engine/linalg/operator';
import { countingOperator, matrixWithSpectrum } from './fixtures';

function constantOperator(size: number, output: Float64Array): SymmetricOperator {
  return { size, apply: async () => Float64Array.from(output) };
}

describe('applyOperator', () => {
  it('returns the product', async () => {
    const operator = denseOperator(matrixFromRows([[2, 1], [1, 3]]));
    assert.deepEqual(Array.from(await applyOperator(operator, Float64Array.from([1, -1]), undefined)), [1, -2]);
  });

  it('rejects a product of the wrong length', async () => {
    await assert.rejects(applyOperator(constantOperator(3, new Float64Array(2)), new Float64Array(3), undefined), /length 2/);
  });

  it('rejects a non-finite product', async () => {
    const output = Float64Array.from([0, Number.NaN, 1]);
    await assert.rejects(applyOperator(constantOperator(3, output), new Float64Array(3), undefined), /non-finite value \(NaN\) at index 1/);
  });

  it('does not apply after an abort', async () => {
    const operator = countingOperator(constantOperator(2, new Float64Array(2)));
    const controller = new AbortController();
    controller.abort();

    await assert.rejects(applyOperator(operator, new Float64Array(2), controller.signal), CancelledError);
    assert.equal(operator.applications, 0);
  });
});

describe('materializeOperator', () => {
  it('reproduces a dense matrix column by column', async () => {
    const { matrix } = matrixWithSpectrum([-1, 0.5, 2, 3, 9], 5);
    const operator = countingOperator(denseOperator(matrix));
    const formed = await materializeOperator(operator);

    assert.equal(operator.applications, 5);
    assert.deepEqual(Array.from(formed.data), Array.from(matrix.data));
  });

  it('pairs with symmetricPart for slightly asymmetric products', async () => {
    const formed = await materializeOperator(denseOperator(matrixFromRows([[1, 2], [2.002, 1]])));

    assert.ok(Math.abs(asymmetry(formed) - 0.002) < 1e-15, `asymmetry ${asymmetry(formed)}`);
    assert.equal(asymmetry(symmetricPart(formed)), 0);
  });
});

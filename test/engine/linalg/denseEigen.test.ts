import * as assert from 'node:assert/strict';
import { symmetricEigen } from '../../../src/engine/linalg/denseEigen';
import { matrixFromRows, symmetricPart } from '../../../src/engine/linalg/denseMatrix';
import { linearSpace, matrixWithSpectrum, residualNorm } from './fixtures';

describe('symmetricEigen', () => {
  it('recovers an indefinite spectrum with repeats', () => {
    const spectrum = [-7, -7, -7, -2.5, 0, 0, ...linearSpace(0.1, 40, 34), 40, 40];
    const { matrix, eigenvalues } = matrixWithSpectrum(spectrum, 11);
    const result = symmetricEigen(matrix);

    for (let i = 0; i < eigenvalues.length; i++) {
      assert.ok(Math.abs(result.values[i] - eigenvalues[i]) < 1e-12 * 40, `eigenvalue ${i}: ${result.values[i]} vs ${eigenvalues[i]}`);
      assert.ok(residualNorm(matrix, result.values[i], result.vectors[i]) < 1e-12 * 40, `residual of pair ${i}`);
    }
    for (let i = 0; i < eigenvalues.length; i++) {
      for (let j = 0; j <= i; j++) {
        let product = 0;
        for (let k = 0; k < eigenvalues.length; k++) {
          product += result.vectors[i][k] * result.vectors[j][k];
        }
        assert.ok(Math.abs(product - (i === j ? 1 : 0)) < 1e-13, `vectors ${i} and ${j} not orthonormal`);
      }
    }
  });

  it('solves 1×1 and 2×2 in closed form', () => {
    assert.deepEqual(Array.from(symmetricEigen(matrixFromRows([[-3]])).values), [-3]);

    const result = symmetricEigen(matrixFromRows([[2, 1], [1, 2]]));
    assert.ok(Math.abs(result.values[0] - 1) < 1e-15, `smaller: ${result.values[0]}`);
    assert.ok(Math.abs(result.values[1] - 3) < 1e-15, `larger: ${result.values[1]}`);
    assert.ok(Math.abs(Math.abs(result.vectors[1][0]) - Math.SQRT1_2) < 1e-15, 'eigenvector of 3 is (1, 1)/√2');
  });

  it('rejects non-symmetric input', () => {
    const skewed = matrixFromRows([[1, 2], [2.5, 1]]);

    assert.throws(() => symmetricEigen(skewed), /not symmetric/);
    assert.throws(() => symmetricEigen(matrixFromRows([[1, 2, 3]])), RangeError);
    assert.throws(() => symmetricEigen(matrixFromRows([[Number.NaN]])), /not finite/);
    assert.deepEqual(Array.from(symmetricEigen(symmetricPart(skewed)).values), [1 - 2.25, 1 + 2.25]);
  });
});

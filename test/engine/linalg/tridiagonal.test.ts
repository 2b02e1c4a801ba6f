import * as assert from 'node:assert/strict';
import { symmetricEigen } from '../../../src/engine/linalg/denseEigen';
import { createRandom } from '../../../src/engine/linalg/random';
import { tridiagonalEigen } from '../../../src/engine/linalg/tridiagonal';
import { laplacianEigenvalues } from './fixtures';

/** Dense form of the tridiagonal matrix, for the Jacobi oracle and residuals. */
function denseTridiagonal(diagonal: ArrayLike<number>, offDiagonal: ArrayLike<number>) {
  const size = diagonal.length;
  const data = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    data[i * size + i] = diagonal[i];
    if (i < size - 1) {
      data[i * size + i + 1] = offDiagonal[i];
      data[(i + 1) * size + i] = offDiagonal[i];
    }
  }
  return { rows: size, columns: size, data };
}

function tridiagonalResidual(diagonal: ArrayLike<number>, offDiagonal: ArrayLike<number>, value: number, vector: Float64Array): number {
  const size = diagonal.length;
  let total = 0;
  for (let i = 0; i < size; i++) {
    let entry = (diagonal[i] - value) * vector[i];
    if (i > 0) {
      entry += offDiagonal[i - 1] * vector[i - 1];
    }
    if (i < size - 1) {
      entry += offDiagonal[i] * vector[i + 1];
    }
    total += entry * entry;
  }
  return Math.sqrt(total);
}

function largestOrthogonalityError(vectors: Float64Array[]): number {
  let largest = 0;
  for (let i = 0; i < vectors.length; i++) {
    for (let j = 0; j <= i; j++) {
      let product = 0;
      for (let k = 0; k < vectors[i].length; k++) {
        product += vectors[i][k] * vectors[j][k];
      }
      largest = Math.max(largest, Math.abs(product - (i === j ? 1 : 0)));
    }
  }
  return largest;
}

describe('tridiagonalEigen', () => {
  it('matches the 1-D Laplacian closed form', () => {
    const order = 60;
    const result = tridiagonalEigen(new Float64Array(order).fill(2), new Float64Array(order - 1).fill(-1), { vectors: true });
    const expected = laplacianEigenvalues(order);

    for (let k = 0; k < order; k++) {
      assert.ok(Math.abs(result.values[k] - expected[k]) < 1e-13, `eigenvalue ${k}: ${result.values[k]} vs ${expected[k]}`);
    }

    // Eigenvector k has components √(2/(m+1))·sin(j·kπ/(m+1)), up to sign.
    const vectors = result.vectors!;
    for (const k of [0, 1, 29, order - 1]) {
      const sign = Math.sign(vectors[k][0]);
      for (let j = 0; j < order; j++) {
        const expectedComponent = Math.sqrt(2 / (order + 1)) * Math.sin(((j + 1) * (k + 1) * Math.PI) / (order + 1));
        assert.ok(Math.abs(sign * vectors[k][j] - expectedComponent) < 1e-12, `vector ${k} component ${j}`);
      }
    }
  });

  it('matches Jacobi on random matrices', () => {
    const random = createRandom(7, 'tridiagonal-test');
    for (const order of [3, 17, 90]) {
      const diagonal = Float64Array.from({ length: order }, () => 10 * random.normal());
      const offDiagonal = Float64Array.from({ length: order - 1 }, () => random.normal());
      const result = tridiagonalEigen(diagonal, offDiagonal, { vectors: true });
      const oracle = symmetricEigen(denseTridiagonal(diagonal, offDiagonal));
      const scale = Math.max(Math.abs(oracle.values[0]), Math.abs(oracle.values[order - 1]));

      for (let i = 0; i < order; i++) {
        assert.ok(Math.abs(result.values[i] - oracle.values[i]) < 1e-13 * scale, `order ${order}, eigenvalue ${i}`);
        assert.ok(result.values[i] >= (i > 0 ? result.values[i - 1] : -Infinity), `order ${order}: values not ascending at ${i}`);
        assert.equal(result.firstComponents[i], result.vectors![i][0], `order ${order}: first component ${i}`);
        assert.equal(result.lastComponents[i], result.vectors![i][order - 1], `order ${order}: last component ${i}`);
        const residual = tridiagonalResidual(diagonal, offDiagonal, result.values[i], result.vectors![i]);
        assert.ok(residual < 1e-13 * scale, `order ${order}: residual ${residual} of pair ${i}`);
      }
      assert.ok(largestOrthogonalityError(result.vectors!) < 1e-13, `order ${order}: eigenvectors not orthonormal`);
    }
  });

  it('computes edge components without full vectors', () => {
    const random = createRandom(8, 'tridiagonal-test');
    const diagonal = Float64Array.from({ length: 40 }, () => random.normal());
    const offDiagonal = Float64Array.from({ length: 39 }, () => random.normal());
    const partial = tridiagonalEigen(diagonal, offDiagonal);
    const full = tridiagonalEigen(diagonal, offDiagonal, { vectors: true });

    assert.equal(partial.vectors, null);
    assert.deepEqual(Array.from(partial.values), Array.from(full.values));
    assert.deepEqual(Array.from(partial.firstComponents), Array.from(full.firstComponents));
    assert.deepEqual(Array.from(partial.lastComponents), Array.from(full.lastComponents));
  });

  it('separates Wilkinson W21+ close pairs', () => {
    // W21+: diagonal |10 − i|, off-diagonal 1. Its eigenvalues come in pairs that
    // agree to many digits; the largest two, about 10.746, to about 13.
    const diagonal = Float64Array.from({ length: 21 }, (_, i) => Math.abs(10 - i));
    const offDiagonal = new Float64Array(20).fill(1);
    const result = tridiagonalEigen(diagonal, offDiagonal, { vectors: true });
    const oracle = symmetricEigen(denseTridiagonal(diagonal, offDiagonal));

    assert.ok(oracle.values[20] - oracle.values[19] < 1e-12, 'the oracle does not show the close pair');
    for (let i = 0; i < 21; i++) {
      assert.ok(Math.abs(result.values[i] - oracle.values[i]) < 1e-13, `eigenvalue ${i}: ${result.values[i]} vs ${oracle.values[i]}`);
    }
    for (let i = 0; i < 21; i++) {
      assert.ok(tridiagonalResidual(diagonal, offDiagonal, result.values[i], result.vectors![i]) < 1e-13, `residual of pair ${i}`);
    }
    assert.ok(largestOrthogonalityError(result.vectors!) < 1e-13, 'eigenvectors of close pairs not orthogonal');
  });

  it('solves orders 1 and 2 in closed form', () => {
    const single = tridiagonalEigen([4.5], [], { vectors: true });
    assert.deepEqual(Array.from(single.values), [4.5]);
    assert.deepEqual(Array.from(single.vectors![0]), [1]);

    const [a, c, b] = [3, -1, 2];
    const pair = tridiagonalEigen([a, c], [b], { vectors: true });
    const center = (a + c) / 2;
    const radius = Math.hypot((a - c) / 2, b);
    assert.ok(Math.abs(pair.values[0] - (center - radius)) < 1e-15, `smaller: ${pair.values[0]}`);
    assert.ok(Math.abs(pair.values[1] - (center + radius)) < 1e-15, `larger: ${pair.values[1]}`);
    assert.ok(tridiagonalResidual([a, c], [b], pair.values[0], pair.vectors![0]) < 1e-15, 'residual of the smaller pair');
  });

  it('sorts an already diagonal matrix', () => {
    const result = tridiagonalEigen([3, -2, 0, 7], [0, 0, 0], { vectors: true });

    assert.deepEqual(Array.from(result.values), [-2, 0, 3, 7]);
    assert.deepEqual(Array.from(result.vectors![0]), [0, 1, 0, 0]);
    assert.deepEqual(Array.from(result.firstComponents), [0, 0, 1, 0]);
  });

  it('handles a zero matrix and a scaled identity', () => {
    assert.deepEqual(Array.from(tridiagonalEigen([0, 0, 0], [0, 0]).values), [0, 0, 0]);
    assert.deepEqual(Array.from(tridiagonalEigen([5, 5, 5], [0, 0]).values), [5, 5, 5]);
  });

  it('rejects mismatched or non-finite input', () => {
    assert.throws(() => tridiagonalEigen([1, 2], [1, 2]), RangeError);
    assert.throws(() => tridiagonalEigen([], []), RangeError);
    assert.throws(() => tridiagonalEigen([1, Number.NaN], [1]), RangeError);
    assert.throws(() => tridiagonalEigen([1, 2], [Infinity]), RangeError);
  });
});

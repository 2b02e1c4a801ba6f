import * as assert from 'node:assert/strict';
import { extendOrthonormalBasis, orthogonalizeAgainst, orthonormalBasis } from '../../../src/engine/linalg/gramSchmidt';
import { createRandom, normalVector } from '../../../src/engine/linalg/random';
import { dot, norm } from '../../../src/engine/linalg/vector';

function largestOrthogonalityError(vectors: Float64Array[]): number {
  let largest = 0;
  for (let i = 0; i < vectors.length; i++) {
    for (let j = 0; j <= i; j++) {
      largest = Math.max(largest, Math.abs(dot(vectors[i], vectors[j]) - (i === j ? 1 : 0)));
    }
  }
  return largest;
}

/** Returns ‖y − QQᵀy‖/‖y‖, zero when y lies in the span of Q. */
function relativeDistanceToSpan(column: Float64Array, basis: Float64Array[]): number {
  const residual = Float64Array.from(column);
  for (const vector of basis) {
    const coefficient = dot(vector, column);
    for (let i = 0; i < residual.length; i++) {
      residual[i] -= coefficient * vector[i];
    }
  }
  return norm(residual) / norm(column);
}

describe('orthonormalBasis', () => {
  it('spans random columns orthonormally', () => {
    const random = createRandom(1, 'gram-schmidt-test');
    const columns = Array.from({ length: 12 }, () => normalVector(random, 200));
    const basis = orthonormalBasis(columns);

    assert.equal(basis.length, 12);
    assert.ok(largestOrthogonalityError(basis) < 1e-14, 'basis not orthonormal');
    for (const column of columns) {
      assert.ok(relativeDistanceToSpan(column, basis) < 1e-14, 'a column is outside the span');
    }
  });

  it('stays orthonormal for nearly parallel columns', () => {
    // Columns that differ by 1e-9: one Gram–Schmidt pass loses about 7 digits of orthogonality here.
    const random = createRandom(2, 'gram-schmidt-test');
    const common = normalVector(random, 100);
    const columns = Array.from({ length: 6 }, () => {
      const perturbation = normalVector(random, 100);
      return Float64Array.from(common, (value, i) => value + 1e-9 * perturbation[i]);
    });
    const basis = orthonormalBasis(columns);

    assert.equal(basis.length, 6);
    assert.ok(largestOrthogonalityError(basis) < 1e-14, `orthogonality error ${largestOrthogonalityError(basis)}`);
  });

  it('drops dependent and zero columns', () => {
    const random = createRandom(3, 'gram-schmidt-test');
    const independent = Array.from({ length: 3 }, () => normalVector(random, 50));
    const combination = Float64Array.from(independent[0], (value, i) => 2 * value - 0.5 * independent[2][i]);
    const columns = [independent[0], new Float64Array(50), independent[1], combination, independent[2], independent[1]];
    const basis = orthonormalBasis(columns);

    assert.equal(basis.length, 3);
    for (const column of independent) {
      assert.ok(relativeDistanceToSpan(column, basis) < 1e-14, 'an independent column is outside the span');
    }
  });

  it('does not modify its input', () => {
    const columns = [Float64Array.from([3, 4]), Float64Array.from([1, 0])];
    orthonormalBasis(columns);

    assert.deepEqual(Array.from(columns[0]), [3, 4]);
    assert.deepEqual(Array.from(columns[1]), [1, 0]);
  });
});

describe('orthogonalizeAgainst', () => {
  it('removes basis components in place', () => {
    const random = createRandom(4, 'gram-schmidt-test');
    const basis = orthonormalBasis(Array.from({ length: 5 }, () => normalVector(random, 80)));
    const vector = normalVector(random, 80);
    const result = orthogonalizeAgainst(vector, basis);

    assert.equal(result, vector);
    for (const basisVector of basis) {
      assert.ok(Math.abs(dot(basisVector, vector)) < 1e-15 * norm(vector) * 10, 'component left along a basis vector');
    }
  });

  it('accepts a float32 basis', () => {
    const basis = [Float32Array.from([1, 0, 0]), Float32Array.from([0, 1, 0])];
    const vector = orthogonalizeAgainst(Float64Array.from([2, -3, 5]), basis);

    assert.deepEqual(Array.from(vector), [0, 0, 5]);
  });
});

describe('extendOrthonormalBasis', () => {
  it('appends independent columns in place', () => {
    const basis: Float64Array[] = [];
    const first = Float64Array.from([3, 4, 0]);
    const dependent = Float64Array.from([6, 8, 0]);
    const independent = Float64Array.from([1, 0, 2]);

    assert.equal(extendOrthonormalBasis(basis, first), true);
    assert.equal(basis[0], first);
    assert.deepEqual(Array.from(first), [0.6, 0.8, 0]);
    assert.equal(extendOrthonormalBasis(basis, dependent), false);
    assert.equal(extendOrthonormalBasis(basis, new Float64Array(3)), false);
    assert.equal(extendOrthonormalBasis(basis, independent), true);
    assert.equal(basis.length, 2);
    assert.ok(Math.abs(dot(basis[0], basis[1])) < 1e-16, 'second vector not orthogonal to the first');
    assert.ok(Math.abs(norm(basis[1]) - 1) < 1e-15, 'second vector not normalized');
  });
});

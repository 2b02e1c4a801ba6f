import * as assert from 'node:assert/strict';
import { axpy, dot, linearCombination, norm, normalized, scaleInPlace, scaled, subtract, sum } from '../../../src/engine/linalg/vector';

describe('vector operations', () => {
  it('computes dot products and norms', () => {
    assert.equal(dot(Float64Array.from([1, 2, 3]), Float64Array.from([4, -5, 6])), 12);
    assert.equal(norm(Float64Array.from([3, 4])), 5);
    assert.equal(dot(Float32Array.from([0.5, 2]), Float64Array.from([2, 0.25])), 1.5);
  });

  it('accumulates float32 input in float64', () => {
    // 2^24 + 1 is not representable in float32; a float32 sum of 2^24 ones and a one would stay 2^24.
    const ones = new Float32Array(2 ** 24 + 1).fill(1);
    assert.equal(dot(ones, ones), 2 ** 24 + 1);
  });

  it('updates in place with axpy and scaleInPlace', () => {
    const y = Float64Array.from([1, 1]);
    const returned = axpy(2, Float64Array.from([3, -1]), y);
    assert.equal(returned, y);
    assert.deepEqual(Array.from(y), [7, -1]);

    scaleInPlace(-0.5, y);
    assert.deepEqual(Array.from(y), [-3.5, 0.5]);
  });

  it('returns new vectors', () => {
    const x = Float64Array.from([3, 4]);
    assert.deepEqual(Array.from(scaled(2, x)), [6, 8]);
    assert.deepEqual(Array.from(subtract(x, Float64Array.from([1, 1]))), [2, 3]);
    assert.deepEqual(Array.from(normalized(x)), [0.6, 0.8]);
    assert.equal(sum(x), 7);
    assert.deepEqual(Array.from(linearCombination([2, -1], [x, Float64Array.from([1, 0])])), [5, 8]);
    assert.deepEqual(Array.from(x), [3, 4]);
  });

  it('rejects mismatched lengths and the zero vector', () => {
    assert.throws(() => dot(new Float64Array(2), new Float64Array(3)), RangeError);
    assert.throws(() => axpy(1, new Float64Array(2), new Float64Array(3)), RangeError);
    assert.throws(() => normalized(new Float64Array(3)), RangeError);
    assert.throws(() => linearCombination([1], []), RangeError);
  });
});

import * as assert from 'node:assert/strict';
import { CancelledError } from '../../../src/engine/errors';
import { denseOperator } from '../../../src/engine/linalg/denseMatrix';
import { largestEigenvaluesByPower, powerIteration } from '../../../src/engine/linalg/power';
import { dot } from '../../../src/engine/linalg/vector';
import { abortAfterSteps, countingOperator, linearSpace, matrixWithSpectrum, residualNorm } from './fixtures';

describe('powerIteration', () => {
  it('finds the top 3 of a separated spectrum', async () => {
    const { matrix, eigenvalues } = matrixWithSpectrum([...linearSpace(0, 2, 57), 5, 10, 20], 41);
    const operator = countingOperator(denseOperator(matrix));
    const result = await powerIteration(operator, { topK: 3, tolerance: 1e-8, maxIterations: 500 });

    assert.equal(result.converged, true);
    assert.equal(result.operatorApplications, operator.applications);
    assert.equal(result.operatorApplications, result.pairs.reduce((total, pair) => total + pair.iterations, 0));
    for (let i = 0; i < 3; i++) {
      const pair = result.pairs[i];
      assert.ok(Math.abs(pair.value - eigenvalues[59 - i]) < 1e-8 * 20, `pair ${i}: ${pair.value}`);
      assert.ok(pair.residual <= 1e-8 * 20, `pair ${i} residual ${pair.residual}`);
      assert.ok(Math.abs(residualNorm(matrix, pair.value, pair.vector) - pair.residual) < 1e-12, `pair ${i}: reported residual is not the true one`);
    }
    assert.ok(Math.abs(dot(result.pairs[0].vector, result.pairs[1].vector)) < 1e-12, 'deflated vectors are not orthogonal');
  });

  it('orders by magnitude on indefinite spectra', async () => {
    const { matrix } = matrixWithSpectrum([-15, ...linearSpace(-1, 1, 38), 9], 42);
    const result = await powerIteration(denseOperator(matrix), { topK: 2, tolerance: 1e-8, maxIterations: 500 });

    assert.ok(Math.abs(result.pairs[0].value + 15) < 1e-6, `first ${result.pairs[0].value}`);
    assert.ok(Math.abs(result.pairs[1].value - 9) < 1e-6, `second ${result.pairs[1].value}`);
  });

  it('is cheaper and coarser with PyHessian’s rule', async () => {
    // Without the residual test, convergence is declared on a small change of λ alone.
    const { matrix } = matrixWithSpectrum([...linearSpace(0, 8, 97), 9, 9.5, 10], 43);
    const operator = denseOperator(matrix);
    const strict = await powerIteration(operator, { tolerance: 1e-4, maxIterations: 2000 });
    const pyhessian = await powerIteration(operator, { tolerance: 1e-4, residualTolerance: Infinity, maxIterations: 2000 });

    assert.equal(strict.converged, true);
    assert.equal(pyhessian.converged, true);
    assert.ok(pyhessian.operatorApplications < strict.operatorApplications, `${pyhessian.operatorApplications} vs ${strict.operatorApplications}`);
    assert.ok(strict.pairs[0].residual <= 1e-4 * 10, `strict residual ${strict.pairs[0].residual}`);
    assert.ok(pyhessian.pairs[0].residual > 1e-4 * 10, `PyHessian residual ${pyhessian.pairs[0].residual}`);
  });

  it('reports non-convergence at maxIterations', async () => {
    const { matrix } = matrixWithSpectrum([...linearSpace(0, 9.9, 49), 10], 44);
    const result = await powerIteration(denseOperator(matrix), { topK: 2, maxIterations: 3 });

    assert.equal(result.converged, false);
    assert.equal(result.operatorApplications, 6);
    assert.deepEqual(result.pairs.map((pair) => pair.iterations), [3, 3]);
    assert.deepEqual(result.pairs.map((pair) => pair.converged), [false, false]);
  });

  it('handles null spaces and the zero operator', async () => {
    const { matrix } = matrixWithSpectrum([0, 0, 0, 0, 3], 45);
    const result = await powerIteration(denseOperator(matrix), { topK: 3, tolerance: 1e-6 });
    assert.equal(result.converged, true);
    assert.ok(Math.abs(result.pairs[0].value - 3) < 1e-6, `first ${result.pairs[0].value}`);
    assert.ok(Math.abs(result.pairs[1].value) < 1e-12, `second ${result.pairs[1].value}`);

    const zero = await powerIteration({ size: 3, apply: async () => new Float64Array(3) }, { topK: 2 });
    assert.equal(zero.converged, true);
    assert.equal(zero.operatorApplications, 2);
    assert.deepEqual(zero.pairs.map((pair) => pair.value), [0, 0]);
  });

  it('caps topK at the size', async () => {
    const { matrix } = matrixWithSpectrum([1, 2], 46);
    const result = await powerIteration(denseOperator(matrix), { topK: 5, tolerance: 1e-10, maxIterations: 200 });

    assert.equal(result.pairs.length, 2);
    assert.ok(Math.abs(result.pairs[1].value - 1) < 1e-10, `second ${result.pairs[1].value}`);
  });

  it('is deterministic and cancellable', async () => {
    const { matrix } = matrixWithSpectrum(linearSpace(1, 10, 30), 47);
    const first = await powerIteration(denseOperator(matrix), { seed: 3, maxIterations: 10 });
    const second = await powerIteration(denseOperator(matrix), { seed: 3, maxIterations: 10 });
    assert.equal(second.pairs[0].value, first.pairs[0].value);

    const operator = countingOperator(denseOperator(matrix));
    const { signal, onStep } = abortAfterSteps(4);
    await assert.rejects(powerIteration(operator, { maxIterations: 100, signal, onStep }), CancelledError);
    assert.equal(operator.applications, 4);
  });
});

describe('largestEigenvaluesByPower', () => {
  it('ranks by value on indefinite spectra', async () => {
    // −12 dominates: plain power iteration would return it first.
    const { matrix } = matrixWithSpectrum([-12, -3, -1, 0.5, 2, 6, 9], 6);
    const result = await largestEigenvaluesByPower(denseOperator(matrix), { topK: 3, tolerance: 1e-10, maxIterations: 5000 });

    assert.deepEqual(
      result.largest.map((pair) => Math.round(pair.value * 1e4) / 1e4),
      [9, 6, 2],
    );
    // By magnitude the run meets −12 and −3 before 2.
    assert.deepEqual(
      result.negative.map((pair) => Math.round(pair.value * 1e4) / 1e4),
      [-12, -3],
    );
    assert.ok(result.largest.every((pair) => pair.residual < 1e-4), 'residuals of the top pairs');
    assert.equal(result.converged, true);
  });

  it('keeps positive dominant spectra', async () => {
    const { matrix } = matrixWithSpectrum([-2, 1, 4, 10], 2);
    const result = await largestEigenvaluesByPower(denseOperator(matrix), { topK: 2, tolerance: 1e-10, maxIterations: 5000 });

    assert.deepEqual(
      result.largest.map((pair) => Math.round(pair.value * 1e4) / 1e4),
      [10, 4],
    );
    assert.deepEqual(result.negative, []);
    assert.ok(result.operatorApplications > 0);
  });

  it('finds eigenvalues beside a large one', async () => {
    // The spectrum of a small regression model's Hessian: one large
    // eigenvalue, a few small ones, a slightly negative one and a bulk at 0.
    // Shifting by λmax made the bulk look converged at the defaults.
    const spectrum = [50.3, 1.59, 0.465, 0.287, -0.245, ...new Array<number>(35).fill(0)];
    const { matrix } = matrixWithSpectrum(spectrum, 12);
    const result = await largestEigenvaluesByPower(denseOperator(matrix), { topK: 5, tolerance: 1e-3, maxIterations: 100 });

    const top = result.largest.map((pair) => pair.value);
    for (const [index, expected] of [50.3, 1.59, 0.465, 0.287, 0].entries()) {
      assert.ok(Math.abs(top[index] - expected) < 5e-3, `top ${index}: ${top[index]}, expected ${expected}`);
    }
    assert.ok(Math.abs(result.negative[0].value + 0.245) < 5e-3, `λmin ${result.negative[0]?.value}`);
    assert.equal(result.converged, true);
  });

  it('stops after 2k pairs', async () => {
    // Five negative eigenvalues dominate, so 2·topK = 4 pairs find no positive one.
    const { matrix } = matrixWithSpectrum([-9, -8, -7, -6, -5, 1, 2], 3);
    const result = await largestEigenvaluesByPower(denseOperator(matrix), { topK: 2, tolerance: 1e-10, maxIterations: 5000 });

    assert.deepEqual(result.largest, []);
    assert.deepEqual(
      result.negative.map((pair) => Math.round(pair.value * 1e4) / 1e4),
      [-9, -8],
    );
    assert.equal(result.converged, true);
  });

  it('counts a zero operator as non-negative', async () => {
    const zero = { size: 6, apply: async () => new Float64Array(6) };
    const result = await largestEigenvaluesByPower(zero, { topK: 3 });

    assert.deepEqual(
      result.largest.map((pair) => pair.value),
      [0, 0, 0],
    );
    assert.deepEqual(result.negative, []);
    assert.equal(result.converged, true);
  });

  it('holds small pairs to their own scale', async () => {
    // Close eigenvalues next to a large one: with the residual relative to
    // λmax, the defaults accept mixtures of 2.86 and 2.70 as converged.
    const spectrum = [50.6, 2.86, 2.7, 2.39, 2.3, ...linearSpace(-0.05, 0.05, 30)];
    const { matrix } = matrixWithSpectrum(spectrum, 14);
    const result = await largestEigenvaluesByPower(denseOperator(matrix), { topK: 5, tolerance: 1e-3, maxIterations: 2000 });

    const top = result.largest.map((pair) => pair.value);
    for (const [index, expected] of [50.6, 2.86, 2.7, 2.39, 2.3].entries()) {
      assert.ok(Math.abs(top[index] - expected) < 3e-3 * expected, `top ${index}: ${top[index]}, expected ${expected}`);
    }
    assert.equal(result.converged, true);
  });
});

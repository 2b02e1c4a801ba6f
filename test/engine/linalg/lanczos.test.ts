import * as assert from 'node:assert/strict';
import { CancelledError } from '../../../src/engine/errors';
import { denseOperator, matrixFromRows } from '../../../src/engine/linalg/denseMatrix';
import { lanczos } from '../../../src/engine/linalg/lanczos';
import { powerIteration } from '../../../src/engine/linalg/power';
import { dot, norm } from '../../../src/engine/linalg/vector';
import {
  abortAfterSteps,
  countingOperator,
  distanceToSpectrum,
  laplacianEigenvalues,
  laplacianOperator,
  linearSpace,
  matrixWithSpectrum,
  residualNorm,
  spectralNorm,
} from './fixtures';

/** An indefinite spectrum: 10 negative eigenvalues down to −12, a bulk, and positive outliers up to 60. */
const INDEFINITE_SPECTRUM = [-12, -9, -8.5, ...linearSpace(-3, -0.1, 7), ...linearSpace(0, 6, 130), 20, 31, 45, 60];

describe('lanczos', () => {
  it('finds top and bottom of an indefinite spectrum', async () => {
    const { matrix, eigenvalues } = matrixWithSpectrum(INDEFINITE_SPECTRUM, 21);
    const size = eigenvalues.length;
    const result = await lanczos(denseOperator(matrix), { topK: 3, bottomK: 3, tolerance: 1e-10, maxSteps: 150 });
    const scale = spectralNorm(eigenvalues);

    assert.equal(result.converged, true);
    assert.equal(result.breakdown, false);
    assert.ok(result.steps < size, `used the whole space: ${result.steps} steps`);
    assert.equal(result.operatorApplications, result.steps);
    for (let i = 0; i < 3; i++) {
      assert.ok(Math.abs(result.top[i].value - eigenvalues[size - 1 - i]) < 1e-9 * scale, `top ${i}: ${result.top[i].value}`);
      assert.ok(Math.abs(result.bottom[i].value - eigenvalues[i]) < 1e-9 * scale, `bottom ${i}: ${result.bottom[i].value}`);
      assert.ok(result.top[i].residualBound <= 1e-10 * scale, `top ${i} residual ${result.top[i].residualBound}`);
    }
  });

  it('keeps every Ritz value within its bound', async () => {
    // Residual bounds hold at any step, converged or not: some eigenvalue lies within β_m|s_m| of θ.
    const { matrix, eigenvalues } = matrixWithSpectrum(INDEFINITE_SPECTRUM, 22);
    const result = await lanczos(denseOperator(matrix), { maxSteps: 25, stopWhenConverged: false });

    assert.equal(result.steps, 25);
    assert.equal(result.ritzValues.length, 25);
    for (let i = 0; i < result.ritzValues.length; i++) {
      const distance = distanceToSpectrum(result.ritzValues[i], eigenvalues);
      assert.ok(distance <= result.ritzResidualBounds[i] * (1 + 1e-8) + 1e-12, `Ritz value ${i}: distance ${distance} > bound ${result.ritzResidualBounds[i]}`);
    }
  });

  it('returns Ritz vectors with true residuals', async () => {
    const { matrix, eigenvalues, eigenvectors } = matrixWithSpectrum(INDEFINITE_SPECTRUM, 23);
    const size = eigenvalues.length;
    const result = await lanczos(denseOperator(matrix), { topK: 2, bottomK: 2, maxSteps: 40, stopWhenConverged: false, ritzVectors: true });
    const scale = spectralNorm(eigenvalues);

    for (const pair of [...result.top, ...result.bottom]) {
      const vector = pair.vector!;
      assert.ok(Math.abs(norm(vector) - 1) < 1e-13, `Ritz vector of ${pair.value} is not a unit vector`);
      const trueResidual = residualNorm(matrix, pair.value, vector);
      assert.ok(Math.abs(trueResidual - pair.residualBound) < 1e-12 * scale, `residual ${trueResidual} vs bound ${pair.residualBound}`);
    }

    // The top Ritz vector points along the top eigenvector (eigenvalue gap 15).
    assert.ok(Math.abs(Math.abs(dot(result.top[0].vector!, eigenvectors[size - 1])) - 1) < 1e-10, 'top Ritz vector is off the top eigenvector');
    assert.equal(result.basis, null);
  });

  it('matches the 1-D Laplacian closed form', async () => {
    // All 120 steps: full reorthogonalization keeps the whole spectrum exact, without ghost copies.
    const size = 120;
    const expected = laplacianEigenvalues(size);
    const result = await lanczos(laplacianOperator(size), { maxSteps: size, stopWhenConverged: false });

    assert.equal(result.ritzValues.length, size);
    for (let k = 0; k < size; k++) {
      assert.ok(Math.abs(result.ritzValues[k] - expected[k]) < 1e-12, `eigenvalue ${k}: ${result.ritzValues[k]} vs ${expected[k]}`);
    }
  });

  it('stops unconverged at maxSteps', async () => {
    const result = await lanczos(laplacianOperator(300), { maxSteps: 12, tolerance: 1e-8 });

    assert.equal(result.steps, 12);
    assert.equal(result.converged, false);
    assert.equal(result.breakdown, false);
    assert.ok(result.top[0].residualBound > 1e-8 * result.top[0].value, 'the top pair should not meet the tolerance');
  });

  it('breaks down on a rank-deficient operator', async () => {
    // Rank 5: the Krylov space of a generic start vector is the range plus one null direction.
    const spectrum = [...new Array<number>(55).fill(0), -4, 1, 2.5, 7, 30];
    const { matrix } = matrixWithSpectrum(spectrum, 24);
    const result = await lanczos(denseOperator(matrix), { topK: 3, bottomK: 3, maxSteps: 40 });

    assert.equal(result.breakdown, true);
    assert.equal(result.steps, 6);
    assert.equal(result.converged, true);
    const expected = [-4, 0, 1, 2.5, 7, 30];
    for (let i = 0; i < 6; i++) {
      assert.ok(Math.abs(result.ritzValues[i] - expected[i]) < 1e-12, `Ritz value ${i}: ${result.ritzValues[i]}`);
    }
    assert.ok(result.finalBeta < 1e-10 * 30, `final beta ${result.finalBeta}`);
  });

  it('shows a repeated eigenvalue once', async () => {
    // Three distinct eigenvalues of multiplicity 20 each: the Krylov space has dimension 3.
    const spectrum = [...new Array<number>(20).fill(-1), ...new Array<number>(20).fill(2), ...new Array<number>(20).fill(5)];
    const { matrix } = matrixWithSpectrum(spectrum, 25);
    const result = await lanczos(denseOperator(matrix), { topK: 5, bottomK: 1, maxSteps: 50 });

    assert.equal(result.breakdown, true);
    assert.equal(result.steps, 3);
    assert.deepEqual(result.top.map((pair) => Math.round(pair.value * 1e12) / 1e12), [5, 2, -1]);
    assert.equal(result.converged, true);
  });

  it('resolves a tight cluster at the top', async () => {
    const cluster = [10, 10 - 1e-3, 10 - 2e-3];
    const { matrix, eigenvalues } = matrixWithSpectrum([...linearSpace(0, 5, 97), ...cluster], 26);
    const result = await lanczos(denseOperator(matrix), { topK: 3, bottomK: 0, tolerance: 1e-12, maxSteps: 100 });

    assert.equal(result.converged, true);
    for (let i = 0; i < 3; i++) {
      assert.ok(Math.abs(result.top[i].value - eigenvalues[99 - i]) < 1e-10, `cluster member ${i}: ${result.top[i].value}`);
    }
  });

  it('stops on an eigenvector start', async () => {
    const { matrix, eigenvectors } = matrixWithSpectrum([1, 2, 3, 4, 5, 6], 27);
    const result = await lanczos(denseOperator(matrix), { startVector: eigenvectors[3] });

    assert.equal(result.steps, 1);
    assert.equal(result.breakdown, true);
    assert.ok(Math.abs(result.top[0].value - 4) < 1e-14, `value ${result.top[0].value}`);
  });

  it('handles sizes 1 and 2', async () => {
    const single = await lanczos(denseOperator(matrixFromRows([[-2.5]])), { topK: 3, bottomK: 3 });
    assert.equal(single.steps, 1);
    assert.equal(single.breakdown, true);
    assert.equal(single.converged, true);
    assert.equal(single.top.length, 1);
    assert.ok(Math.abs(single.top[0].value + 2.5) < 1e-15, `value ${single.top[0].value}`);

    const [a, c, b] = [1, 4, -2];
    const pair = await lanczos(denseOperator(matrixFromRows([[a, b], [b, c]])), { topK: 1, bottomK: 1, tolerance: 1e-12 });
    const center = (a + c) / 2;
    const radius = Math.hypot((a - c) / 2, b);
    assert.ok(pair.steps <= 2, `steps ${pair.steps}`);
    assert.ok(Math.abs(pair.top[0].value - (center + radius)) < 1e-14, `top ${pair.top[0].value}`);
    assert.ok(Math.abs(pair.bottom[0].value - (center - radius)) < 1e-14, `bottom ${pair.bottom[0].value}`);
    assert.equal(pair.converged, true);
  });

  it('handles the zero operator', async () => {
    const result = await lanczos({ size: 4, apply: async () => new Float64Array(4) });

    assert.equal(result.steps, 1);
    assert.equal(result.breakdown, true);
    assert.equal(result.top[0].value, 0);
  });

  it('is deterministic for a seed', async () => {
    const { matrix } = matrixWithSpectrum(INDEFINITE_SPECTRUM, 28);
    const operator = denseOperator(matrix);
    const first = await lanczos(operator, { seed: 5, maxSteps: 20, stopWhenConverged: false });
    const second = await lanczos(operator, { seed: 5, maxSteps: 20, stopWhenConverged: false });
    const other = await lanczos(operator, { seed: 6, maxSteps: 20, stopWhenConverged: false });

    assert.deepEqual(Array.from(second.alphas), Array.from(first.alphas));
    assert.deepEqual(Array.from(second.betas), Array.from(first.betas));
    assert.notDeepEqual(Array.from(other.alphas), Array.from(first.alphas));
  });

  it('cancels between operator applications', async () => {
    const { matrix } = matrixWithSpectrum(INDEFINITE_SPECTRUM, 29);
    const operator = countingOperator(denseOperator(matrix));
    const { signal, onStep } = abortAfterSteps(3);

    await assert.rejects(lanczos(operator, { maxSteps: 50, signal, onStep }), CancelledError);
    assert.equal(operator.applications, 3);
  });

  it('reports progress per step', async () => {
    const reports: [number, number][] = [];
    await lanczos(laplacianOperator(50), { maxSteps: 7, stopWhenConverged: false, onStep: (done, total) => reports.push([done, total]) });

    assert.deepEqual(reports, [1, 2, 3, 4, 5, 6, 7].map((done) => [done, 7]));
  });

  it('rejects invalid options', async () => {
    const operator = laplacianOperator(5);

    await assert.rejects(lanczos(operator, { maxSteps: 0 }), RangeError);
    await assert.rejects(lanczos(operator, { topK: -1 }), RangeError);
    await assert.rejects(lanczos(operator, { tolerance: 0 }), RangeError);
    await assert.rejects(lanczos(operator, { startVector: new Float64Array(5) }), /non-zero norm/);
    await assert.rejects(lanczos(operator, { startVector: new Float64Array(4).fill(1) }), /length 4/);
  });

  it('keeps float32 basis accuracy', async () => {
    const { matrix, eigenvalues } = matrixWithSpectrum([...linearSpace(-3, 20, 395), 26, 30, 35, 42, 50], 30);
    const operator = denseOperator(matrix);
    const options = { topK: 5, bottomK: 5, maxSteps: 60, stopWhenConverged: false, ritzVectors: true, keepBasis: true };
    const double = await lanczos(operator, options);
    const single = await lanczos(operator, { ...options, basisPrecision: 'float32' });
    const scale = spectralNorm(eigenvalues);

    assert.ok(single.basis!.every((vector) => vector instanceof Float32Array), 'basis is not stored in float32');
    assert.ok(double.basis!.every((vector) => vector instanceof Float64Array), 'default basis is not float64');

    let largestShift = 0;
    let largestBoundError = 0;
    let largestTopResidual = 0;
    for (const side of ['top', 'bottom'] as const) {
      for (let i = 0; i < 5; i++) {
        const pair = single[side][i];
        const trueResidual = residualNorm(matrix, pair.value, pair.vector!);
        largestShift = Math.max(largestShift, Math.abs(pair.value - double[side][i].value) / scale);
        largestBoundError = Math.max(largestBoundError, Math.abs(trueResidual - pair.residualBound) / scale);
        if (side === 'top') {
          largestTopResidual = Math.max(largestTopResidual, trueResidual / scale);
        }
      }
    }
    console.log(
      `      float32 basis: Ritz value shift ${largestShift.toExponential(1)}·‖A‖, ` +
        `bound error ${largestBoundError.toExponential(1)}·‖A‖, top-5 residual ${largestTopResidual.toExponential(1)}·‖A‖`,
    );
    assert.ok(largestShift < 1e-9, `Ritz values moved by ${largestShift}·‖A‖`);
    assert.ok(largestBoundError < 1e-6, `residual bounds off by ${largestBoundError}·‖A‖`);
    assert.ok(largestTopResidual < 1e-6, `converged top pairs have residual ${largestTopResidual}·‖A‖`);
  });

  it('needs fewer applications than power iteration', async () => {
    // Five outliers over a bulk, like a trained network's Hessian; both methods
    // run to the same relative residual tolerance 1e-3 for the top 5.
    const { matrix, eigenvalues } = matrixWithSpectrum([100, 80, 64, 51, 41, ...linearSpace(-1, 10, 295)], 3);
    const operator = denseOperator(matrix);
    const krylov = await lanczos(operator, { topK: 5, bottomK: 0, tolerance: 1e-3, maxSteps: 300 });
    const power = await powerIteration(operator, { topK: 5, tolerance: 1e-3, maxIterations: 1000 });

    console.log(`      top 5 to 1e-3: Lanczos ${krylov.operatorApplications}, power iteration ${power.operatorApplications} applications`);
    assert.equal(krylov.converged, true);
    assert.equal(power.converged, true);
    assert.ok(krylov.operatorApplications < power.operatorApplications, `Lanczos ${krylov.operatorApplications} vs power ${power.operatorApplications}`);
    for (let i = 0; i < 5; i++) {
      assert.ok(Math.abs(krylov.top[i].value - eigenvalues[299 - i]) < 1e-3 * 100, `Lanczos top ${i}`);
      assert.ok(Math.abs(power.pairs[i].value - eigenvalues[299 - i]) < 1e-3 * 100, `power top ${i}`);
    }
  });
});

import * as assert from 'node:assert/strict';
import { CancelledError } from '../../../src/engine/errors';
import { denseOperator, matrixFromRows, multiplyMatrixVector, type DenseMatrix } from '../../../src/engine/linalg/denseMatrix';
import { lanczos } from '../../../src/engine/linalg/lanczos';
import { densityStartVector, spectralDensity } from '../../../src/engine/linalg/slq';
import { trapezoidIntegral } from '../../../src/engine/linalg/smoothing';
import { dot } from '../../../src/engine/linalg/vector';
import { abortAfterSteps, countingOperator, linearSpace, matrixWithSpectrum } from './fixtures';

function traceOf(matrix: DenseMatrix): number {
  let total = 0;
  for (let i = 0; i < matrix.rows; i++) {
    total += matrix.data[i * matrix.columns + i];
  }
  return total;
}

function frobeniusSquared(matrix: DenseMatrix): number {
  return dot(matrix.data, matrix.data);
}

/** Returns ∫ x^power·p(x) dx over the grid by the trapezoid rule. */
function densityMoment(grid: Float64Array, values: Float64Array, power: number): number {
  const integrand = values.map((value, i) => value * grid[i] ** power);
  return trapezoidIntegral(integrand, grid[1] - grid[0]);
}

/** Sample mean and standard error of per-run values. */
function meanWithError(values: number[]): { mean: number; standardError: number } {
  const mean = values.reduce((total, value) => total + value, 0) / values.length;
  const variance = values.reduce((total, value) => total + (value - mean) ** 2, 0) / (values.length - 1);
  return { mean, standardError: Math.sqrt(variance / values.length) };
}

/** 40 negative eigenvalues in [−4, −2] and 160 positive ones in [1, 20]: 20% negative. */
const SEPARATED_SPECTRUM = [...linearSpace(-4, -2, 40), ...linearSpace(1, 20, 160)];

describe('spectralDensity', () => {
  it('integrates to 1 over its grid', async () => {
    const { matrix } = matrixWithSpectrum(SEPARATED_SPECTRUM, 71);
    const density = await spectralDensity(denseOperator(matrix), { runs: 4, steps: 30 });
    const spacing = density.grid[1] - density.grid[0];

    assert.ok(Math.abs(trapezoidIntegral(density.values, spacing) - 1) < 1e-12, 'renormalized integral');
    assert.ok(Math.abs(density.integralBeforeNormalization - 1) < 1e-3, `integral before renormalization ${density.integralBeforeNormalization}`);
    assert.ok(Math.abs(density.weights.reduce((total, weight) => total + weight, 0) - 1) < 1e-12, 'weights do not sum to 1');
    assert.equal(density.nodes.length, 4 * 30);
    assert.ok(density.nodes.every((node, i) => i === 0 || node >= density.nodes[i - 1]), 'nodes not ascending');
    assert.equal(density.grid.length, 1000);
    assert.ok(density.grid[0] < density.nodes[0], 'grid starts above the smallest node');
    assert.ok(density.grid[999] > density.nodes[density.nodes.length - 1], 'grid ends below the largest node');
    assert.ok(density.values.every((value) => value >= 0), 'negative density value');
  });

  it('matches trace and Frobenius moments', async () => {
    // E[vᵀAv] = tr(A)/n and E[vᵀA²v] = ‖A‖_F²/n for v = z/√n; Gauss quadrature
    // with m ≥ 2 nodes is exact for both, so only sampling error remains.
    const { matrix } = matrixWithSpectrum(SEPARATED_SPECTRUM, 72);
    const size = matrix.rows;
    const density = await spectralDensity(denseOperator(matrix), { runs: 20, steps: 20 });
    const firstMoments = density.runResults.map((run) => dot(run.quadratureWeights, run.ritzValues));
    const secondMoments = density.runResults.map((run) => dot(run.quadratureWeights, run.ritzValues.map((value) => value * value)));
    const first = meanWithError(firstMoments);
    const second = meanWithError(secondMoments);

    assert.ok(Math.abs(first.mean - traceOf(matrix) / size) < 4 * first.standardError, `first moment ${first.mean} ± ${first.standardError}`);
    assert.ok(Math.abs(second.mean - frobeniusSquared(matrix) / size) < 4 * second.standardError, `second moment ${second.mean} ± ${second.standardError}`);
    assert.ok(second.standardError < 0.05 * second.mean, 'sampling error too large for a meaningful check');

    // The smoothed density keeps the mean and adds σ² to the second moment.
    const smoothedFirst = densityMoment(density.grid, density.values, 1);
    const smoothedSecond = densityMoment(density.grid, density.values, 2);
    assert.ok(Math.abs(smoothedFirst - first.mean) < 1e-3 * Math.abs(first.mean), `smoothed mean ${smoothedFirst} vs ${first.mean}`);
    assert.ok(Math.abs(smoothedSecond - density.sigma ** 2 - second.mean) < 1e-3 * second.mean, `smoothed second moment ${smoothedSecond}`);
  });

  it('integrates polynomials exactly per run', async () => {
    // Gauss quadrature with m nodes is exact for degree ≤ 2m − 1: Σ wᵢθᵢᵏ = vᵀAᵏv.
    const { matrix } = matrixWithSpectrum(SEPARATED_SPECTRUM, 73);
    const density = await spectralDensity(denseOperator(matrix), { runs: 1, steps: 4, keepFirstBasis: true });
    const run = density.runResults[0];
    const start = Float64Array.from(run.basis![0]);

    let power: Float64Array = Float64Array.from(start);
    for (let degree = 0; degree <= 7; degree++) {
      const exact = dot(start, power);
      const quadrature = run.quadratureWeights.reduce((total, weight, i) => total + weight * run.ritzValues[i] ** degree, 0);
      assert.ok(Math.abs(quadrature - exact) < 1e-12 * Math.max(1, Math.abs(exact)), `degree ${degree}: ${quadrature} vs ${exact}`);
      power = multiplyMatrixVector(matrix, power);
    }

    // Degree 2m = 8 is beyond the rule, which shows the check above can fail.
    const exactEighth = dot(start, power);
    const quadratureEighth = run.quadratureWeights.reduce((total, weight, i) => total + weight * run.ritzValues[i] ** 8, 0);
    assert.ok(Math.abs(quadratureEighth - exactEighth) > 1e-6 * exactEighth, 'degree 8 should not be exact with 4 nodes');
  });

  it('measures the negative share', async () => {
    const { matrix } = matrixWithSpectrum(SEPARATED_SPECTRUM, 74);
    const density = await spectralDensity(denseOperator(matrix), { runs: 10, steps: 30 });

    assert.ok(Math.abs(density.negativeMass - 0.2) < 0.04, `negative mass ${density.negativeMass}`);

    const { matrix: positive } = matrixWithSpectrum(linearSpace(0.5, 10, 100), 75);
    const positiveDensity = await spectralDensity(denseOperator(positive), { runs: 3, steps: 20 });
    assert.equal(positiveDensity.negativeMass, 0);
  });

  it('ignores negative nodes within the tolerance', async () => {
    // Eigenvalues −1e-5 are below zero but above −1e-3·max|λ| = −0.01.
    const { matrix } = matrixWithSpectrum([...new Array<number>(10).fill(-1e-5), ...linearSpace(1, 10, 30)], 76);
    const density = await spectralDensity(denseOperator(matrix), { runs: 2, steps: 40 });
    const strict = await spectralDensity(denseOperator(matrix), { runs: 2, steps: 40, negativeTolerance: 1e-7 });

    assert.equal(density.negativeMass, 0);
    assert.ok(Math.abs(strict.negativeMass - 0.25) < 0.15, `negative mass with tolerance 1e-7: ${strict.negativeMass}`);
  });

  it('shares its Krylov spaces', async () => {
    const { matrix, eigenvalues } = matrixWithSpectrum([...linearSpace(-1, 5, 116), 12, 20, 28, 40], 77);
    const operator = countingOperator(denseOperator(matrix));
    const density = await spectralDensity(operator, { runs: 3, steps: 40, topK: 3, bottomK: 1, ritzVectors: true });

    assert.equal(density.operatorApplications, 120);
    assert.equal(operator.applications, 120);
    assert.equal(density.runResults.length, 3);

    const first = density.runResults[0];
    for (let i = 0; i < 3; i++) {
      assert.ok(Math.abs(first.top[i].value - eigenvalues[119 - i]) < 1e-6 * 40, `top ${i}: ${first.top[i].value}`);
      assert.ok(first.top[i].vector !== null, `top ${i} has no Ritz vector`);
    }
    assert.ok(Math.abs(first.bottom[0].value + 1) < 1e-2, `bottom ${first.bottom[0].value}`);
    assert.equal(density.runResults[1].top[0].vector, null);

    const truth = traceOf(matrix);
    const standardError = density.trace.standardError;
    assert.notEqual(standardError, null);
    assert.ok(standardError! > 0, 'zero trace standard error');
    assert.ok(Math.abs(density.trace.estimate - truth) < 4 * standardError!, `trace ${density.trace.estimate} vs ${truth}`);
  });

  it('reuses a longer first run', async () => {
    const { matrix } = matrixWithSpectrum(SEPARATED_SPECTRUM, 81);
    const size = matrix.rows;
    const plain = await spectralDensity(denseOperator(matrix), { runs: 3, steps: 20, seed: 6 });
    const firstRun = await lanczos(denseOperator(matrix), {
      maxSteps: 35,
      stopWhenConverged: false,
      startVector: densityStartVector(6, 0, size),
      topK: 2,
    });
    const operator = countingOperator(denseOperator(matrix));
    const reused = await spectralDensity(operator, { runs: 3, steps: 20, seed: 6, firstRun });

    assert.equal(operator.applications, 40);
    assert.equal(reused.operatorApplications, 40);
    assert.equal(reused.runResults[0], firstRun);
    assert.equal(reused.nodes.length, plain.nodes.length);
    for (let i = 0; i < plain.nodes.length; i++) {
      assert.ok(Math.abs(reused.nodes[i] - plain.nodes[i]) < 1e-10, `node ${i}: ${reused.nodes[i]} vs ${plain.nodes[i]}`);
      assert.ok(Math.abs(reused.weights[i] - plain.weights[i]) < 1e-10, `weight ${i}`);
    }
    assert.ok(Math.abs(reused.trace.estimate - plain.trace.estimate) < 1e-9, `trace ${reused.trace.estimate} vs ${plain.trace.estimate}`);
    assert.ok(Math.abs(reused.negativeMass - plain.negativeMass) < 1e-10, 'negative mass differs');
  });

  it('draws distinct unit start vectors', () => {
    const first = densityStartVector(3, 0, 50);
    const second = densityStartVector(3, 1, 50);

    assert.ok(first.every((entry) => Math.abs(Math.abs(entry) - 1 / Math.sqrt(50)) < 1e-16), 'entries are not ±1/√n');
    assert.ok(Math.abs(dot(first, first) - 1) < 1e-14, 'not a unit vector');
    assert.notDeepEqual(Array.from(second), Array.from(first));
    assert.deepEqual(Array.from(densityStartVector(3, 0, 50)), Array.from(first));
  });

  it('handles breakdown and tiny operators', async () => {
    // Three distinct eigenvalues: each run breaks down after 3 steps, and the
    // weights per node estimate the multiplicity shares 0.5, 0.3 and 0.2.
    const spectrum = [...new Array<number>(50).fill(-2), ...new Array<number>(30).fill(1), ...new Array<number>(20).fill(4)];
    const { matrix } = matrixWithSpectrum(spectrum, 78);
    const density = await spectralDensity(denseOperator(matrix), { runs: 8, steps: 30 });

    assert.ok(density.runResults.every((run) => run.breakdown && run.steps === 3), 'runs did not break down after 3 steps');
    assert.equal(density.nodes.length, 24);
    const shareBelow = (limit: number) => density.nodes.reduce((total, node, i) => total + (node < limit ? density.weights[i] : 0), 0);
    assert.ok(Math.abs(shareBelow(0) - 0.5) < 0.1, `share at −2: ${shareBelow(0)}`);
    assert.ok(Math.abs(density.negativeMass - shareBelow(0)) < 1e-12, 'negative mass differs from the weight at −2');

    const single = await spectralDensity(denseOperator(matrixFromRows([[-3]])), { runs: 2, steps: 5 });
    assert.equal(single.negativeMass, 1);
    assert.deepEqual(Array.from(single.nodes), [-3, -3]);
    assert.ok(Math.abs(single.sigma - 0.03) < 1e-15, `sigma ${single.sigma}`);
    assert.equal(single.trace.estimate, -3);
    assert.equal(single.trace.standardError, 0);

    // No Rademacher vector (±1, ±1) is an eigenvector of this matrix, so every run finds both eigenvalues 0.5 ± √3.25.
    const pair = await spectralDensity(denseOperator(matrixFromRows([[2, 1], [1, -1]])), { runs: 1, steps: 5 });
    assert.equal(pair.nodes.length, 2);
    assert.ok(Math.abs(pair.nodes[0] - (0.5 - Math.sqrt(3.25))) < 1e-14, `smaller node ${pair.nodes[0]}`);
    assert.ok(Math.abs(pair.nodes[1] - (0.5 + Math.sqrt(3.25))) < 1e-14, `larger node ${pair.nodes[1]}`);
    // One run's trace is the Hutchinson draw zᵀAz = 1 + 2·z₁z₂, which is 3 or −1.
    assert.ok(Math.abs(Math.abs(pair.trace.estimate - 1) - 2) < 1e-14, `trace ${pair.trace.estimate}`);
    assert.equal(pair.trace.standardError, null);
  });

  it('is deterministic for a seed', async () => {
    const { matrix } = matrixWithSpectrum(SEPARATED_SPECTRUM, 79);
    const operator = denseOperator(matrix);
    const first = await spectralDensity(operator, { runs: 2, steps: 10, seed: 4 });
    const second = await spectralDensity(operator, { runs: 2, steps: 10, seed: 4 });
    const other = await spectralDensity(operator, { runs: 2, steps: 10, seed: 5 });

    assert.deepEqual(Array.from(second.values), Array.from(first.values));
    assert.deepEqual(Array.from(second.nodes), Array.from(first.nodes));
    assert.notDeepEqual(Array.from(other.nodes), Array.from(first.nodes));
  });

  it('cancels and reports progress across runs', async () => {
    const { matrix } = matrixWithSpectrum(SEPARATED_SPECTRUM, 80);
    const operator = countingOperator(denseOperator(matrix));
    const reports: number[] = [];
    await spectralDensity(operator, { runs: 2, steps: 3, onStep: (done, total) => reports.push(done, total) });
    assert.deepEqual(reports, [1, 6, 2, 6, 3, 6, 4, 6, 5, 6, 6, 6]);

    const cancelled = countingOperator(denseOperator(matrix));
    const { signal, onStep } = abortAfterSteps(14);
    await assert.rejects(spectralDensity(cancelled, { runs: 3, steps: 10, signal, onStep }), CancelledError);
    assert.equal(cancelled.applications, 14);
  });

  it('rejects invalid options', async () => {
    const operator = denseOperator(matrixFromRows([[1]]));

    await assert.rejects(spectralDensity(operator, { runs: 0, steps: 5 }), RangeError);
    await assert.rejects(spectralDensity(operator, { runs: 1, steps: 0 }), RangeError);
    await assert.rejects(spectralDensity(operator, { runs: 1, steps: 5, sigma: -1 }), RangeError);
    await assert.rejects(spectralDensity(operator, { runs: 1, steps: 5, gridPoints: 1 }), RangeError);
  });
});

import * as assert from 'node:assert/strict';
import { CancelledError } from '../../../src/engine/errors';
import { denseOperator, matrixFromRows, type DenseMatrix } from '../../../src/engine/linalg/denseMatrix';
import { hutchinsonTrace, hutchPlusPlusTrace } from '../../../src/engine/linalg/trace';
import { abortAfterSteps, countingOperator, linearSpace, matrixWithSpectrum } from './fixtures';

function traceOf(matrix: DenseMatrix): number {
  let total = 0;
  for (let i = 0; i < matrix.rows; i++) {
    total += matrix.data[i * matrix.columns + i];
  }
  return total;
}

/** Variance of one Rademacher draw zᵀAz: 2·Σ_{i≠j} a_ij². */
function rademacherDrawVariance(matrix: DenseMatrix): number {
  let total = 0;
  for (let i = 0; i < matrix.rows; i++) {
    for (let j = 0; j < matrix.columns; j++) {
      if (i !== j) {
        total += matrix.data[i * matrix.columns + j] ** 2;
      }
    }
  }
  return 2 * total;
}

describe('hutchinsonTrace', () => {
  it('is exact on a diagonal matrix', async () => {
    const matrix = matrixFromRows([[3, 0, 0], [0, -1, 0], [0, 0, 0.5]]);
    const result = await hutchinsonTrace(denseOperator(matrix), { probes: 5 });

    assert.equal(result.method, 'hutchinson');
    assert.equal(result.estimate, 2.5);
    assert.equal(result.standardError, 0);
    assert.equal(result.operatorApplications, 5);
    assert.equal(result.draws.length, 5);
  });

  it('covers the truth at the nominal rate', async () => {
    // With 30 probes, (estimate − tr A)/SE follows Student's t with 29 degrees of
    // freedom, so ± 1.96·SE should cover tr(A) in about 94% of seeds and ± 1·SE in about 67%.
    const { matrix } = matrixWithSpectrum(linearSpace(-3, 6, 60), 51);
    const operator = denseOperator(matrix);
    const truth = traceOf(matrix);
    const theoreticalError = Math.sqrt(rademacherDrawVariance(matrix) / 30);
    const seeds = 400;
    let within196 = 0;
    let within1 = 0;
    let sumSquaredErrors = 0;
    let sumSquaredStandardErrors = 0;

    for (let seed = 0; seed < seeds; seed++) {
      const result = await hutchinsonTrace(operator, { probes: 30, seed });
      const error = Math.abs(result.estimate - truth);
      within196 += error <= 1.96 * result.standardError ? 1 : 0;
      within1 += error <= result.standardError ? 1 : 0;
      sumSquaredErrors += error ** 2;
      sumSquaredStandardErrors += result.standardError ** 2;
    }

    const coverage196 = within196 / seeds;
    const coverage1 = within1 / seeds;
    const rootMeanSquaredError = Math.sqrt(sumSquaredErrors / seeds);
    const rootMeanSquaredStandardError = Math.sqrt(sumSquaredStandardErrors / seeds);
    console.log(`      Hutchinson coverage: ${coverage196} at 1.96·SE, ${coverage1} at 1·SE`);
    assert.ok(coverage196 >= 0.9, `1.96·SE coverage ${coverage196} is too low`);
    assert.ok(coverage196 <= 0.99, `1.96·SE coverage ${coverage196} is too high`);
    assert.ok(coverage1 >= 0.6, `1·SE coverage ${coverage1} is too low`);
    assert.ok(coverage1 <= 0.76, `1·SE coverage ${coverage1} is too high`);
    assert.ok(Math.abs(rootMeanSquaredError / theoreticalError - 1) < 0.1, `RMS error ${rootMeanSquaredError} vs ${theoreticalError}`);
    assert.ok(Math.abs(rootMeanSquaredStandardError / theoreticalError - 1) < 0.1, `RMS SE ${rootMeanSquaredStandardError} vs ${theoreticalError}`);
  });

  it('rejects fewer than 2 probes', async () => {
    await assert.rejects(hutchinsonTrace(denseOperator(matrixFromRows([[1]])), { probes: 1 }), RangeError);
  });

  it('is deterministic and cancellable', async () => {
    const { matrix } = matrixWithSpectrum(linearSpace(-1, 5, 20), 52);
    const first = await hutchinsonTrace(denseOperator(matrix), { probes: 6, seed: 9 });
    const second = await hutchinsonTrace(denseOperator(matrix), { probes: 6, seed: 9 });
    assert.deepEqual(Array.from(second.draws), Array.from(first.draws));

    const operator = countingOperator(denseOperator(matrix));
    const { signal, onStep } = abortAfterSteps(2);
    await assert.rejects(hutchinsonTrace(operator, { probes: 10, signal, onStep }), CancelledError);
    assert.equal(operator.applications, 2);
  });
});

describe('hutchPlusPlusTrace', () => {
  it('is exact on low-rank matrices', async () => {
    for (const rank of [1, 5, 10]) {
      const spectrum = [...new Array<number>(100 - rank).fill(0), ...linearSpace(-3, 40, rank)];
      const { matrix } = matrixWithSpectrum(spectrum, 53 + rank);
      const truth = traceOf(matrix);
      const result = await hutchPlusPlusTrace(denseOperator(matrix), { budget: 30, seed: rank });

      assert.equal(result.method, 'hutch++');
      assert.equal(result.sketchRank, rank, `rank ${rank}: sketch rank ${result.sketchRank}`);
      assert.equal(result.operatorApplications, 30, `rank ${rank}: applications`);
      assert.ok(Math.abs(result.estimate - truth) < 1e-10 * 40, `rank ${rank}: estimate ${result.estimate} vs ${truth}`);
      assert.ok(result.standardError < 1e-10 * 40, `rank ${rank}: standard error ${result.standardError}`);
    }
  });

  it('covers the truth at the nominal rate', async () => {
    // Budget 60: 20 sketch columns, 20 products for tr(QᵀAQ), 20 probes of the
    // rest. With t at 19 degrees of freedom, ± 1.96·SE should cover about 93.5%.
    const { matrix } = matrixWithSpectrum([-2, ...linearSpace(0.1, 2, 70), ...linearSpace(3, 30, 9)], 61);
    const operator = denseOperator(matrix);
    const truth = traceOf(matrix);
    const seeds = 250;
    let within196 = 0;

    for (let seed = 0; seed < seeds; seed++) {
      const result = await hutchPlusPlusTrace(operator, { budget: 60, seed });
      within196 += Math.abs(result.estimate - truth) <= 1.96 * result.standardError ? 1 : 0;
      assert.equal(result.operatorApplications, 60, `seed ${seed}: applications`);
      assert.equal(result.draws.length, 20, `seed ${seed}: draws`);
    }

    const coverage = within196 / seeds;
    console.log(`      Hutch++ coverage: ${coverage} at 1.96·SE`);
    assert.ok(coverage >= 0.88, `1.96·SE coverage ${coverage} is too low`);
    assert.ok(coverage <= 0.99, `1.96·SE coverage ${coverage} is too high`);
  });

  it('beats Hutchinson on a decaying spectrum', async () => {
    const spectrum = Array.from({ length: 150 }, (_, i) => 100 / (i + 1) ** 2);
    const { matrix } = matrixWithSpectrum(spectrum, 62);
    const operator = denseOperator(matrix);
    const truth = traceOf(matrix);
    let hutchinsonSquaredError = 0;
    let hutchPlusPlusSquaredError = 0;

    for (let seed = 0; seed < 50; seed++) {
      hutchinsonSquaredError += ((await hutchinsonTrace(operator, { probes: 30, seed })).estimate - truth) ** 2;
      hutchPlusPlusSquaredError += ((await hutchPlusPlusTrace(operator, { budget: 30, seed })).estimate - truth) ** 2;
    }

    const ratio = Math.sqrt(hutchPlusPlusSquaredError / hutchinsonSquaredError);
    console.log(`      RMS error, Hutch++ over Hutchinson at 30 applications: ${ratio.toFixed(3)}`);
    assert.ok(ratio < 1 / 3, `Hutch++ RMS error is ${ratio} of Hutchinson's`);
  });

  it('is exact when n fits the budget', async () => {
    for (const size of [1, 2, 12]) {
      const { matrix } = matrixWithSpectrum(linearSpace(-1, 7, size), 63 + size);
      const operator = countingOperator(denseOperator(matrix));
      const result = await hutchPlusPlusTrace(operator, { budget: 12 });

      assert.equal(result.sketchRank, size, `size ${size}: sketch rank`);
      assert.equal(result.operatorApplications, size, `size ${size}: applications`);
      assert.equal(operator.applications, size, `size ${size}: counted applications`);
      assert.ok(Math.abs(result.estimate - traceOf(matrix)) < 1e-13, `size ${size}: estimate ${result.estimate}`);
      assert.equal(result.standardError, 0, `size ${size}: standard error`);
    }
  });

  it('rejects a budget below 4', async () => {
    await assert.rejects(hutchPlusPlusTrace(denseOperator(matrixFromRows([[1]])), { budget: 3 }), RangeError);
  });

  it('is deterministic and cancellable', async () => {
    const { matrix } = matrixWithSpectrum(linearSpace(-1, 5, 40), 64);
    const first = await hutchPlusPlusTrace(denseOperator(matrix), { budget: 12, seed: 2 });
    const second = await hutchPlusPlusTrace(denseOperator(matrix), { budget: 12, seed: 2 });
    assert.equal(second.estimate, first.estimate);

    const operator = countingOperator(denseOperator(matrix));
    const { signal, onStep } = abortAfterSteps(5);
    await assert.rejects(hutchPlusPlusTrace(operator, { budget: 30, signal, onStep }), CancelledError);
    assert.equal(operator.applications, 5);
  });
});

import { strict as assert } from 'node:assert';

import { denseOperator } from '../../../src/engine/linalg/denseMatrix';
import { krylovTrace } from '../../../src/engine/linalg/krylovTrace';
import { lanczos } from '../../../src/engine/linalg/lanczos';
import { hutchPlusPlusTrace } from '../../../src/engine/linalg/trace';
import { densityStartVector } from '../../../src/engine/linalg/slq';
import { matrixWithSpectrum } from './fixtures';

/** Spectrum with five outliers over a bulk, as Hessians of trained networks have. */
function outlierSpectrum(size: number): number[] {
  const bulk = Array.from({ length: size - 5 }, (_, i) => -0.5 + (1.5 * i) / (size - 6));
  return [100, 80, 64, 51, 41, ...bulk];
}

describe('krylovTrace', () => {
  it('exact once the Krylov space is invariant', async () => {
    // Rank 4: Lanczos breaks down after 4 steps, and V·T·Vᵀ is the whole matrix.
    const { matrix, eigenvalues } = matrixWithSpectrum([0, 0, 0, 0, 0, 0, 3, 5, 7, 11], 1);
    const operator = denseOperator(matrix);
    const run = await lanczos(operator, { maxSteps: 10, stopWhenConverged: false, keepBasis: true, startVector: densityStartVector(0, 0, 10) });
    const estimate = await krylovTrace(operator, run, { probes: 4, seed: 2 });

    const trace = eigenvalues.reduce((sum, value) => sum + value, 0);
    assert.ok(Math.abs(estimate.estimate - trace) < 1e-9 * trace, `${estimate.estimate} vs ${trace}`);
    assert.ok(estimate.standardError < 1e-9 * trace);
    assert.equal(estimate.method, 'krylov-hutch++');
    assert.equal(estimate.operatorApplications, 4);
  });

  it('block traces match the dense diagonal blocks', async () => {
    const size = 60;
    const { matrix } = matrixWithSpectrum(outlierSpectrum(size), 3);
    const operator = denseOperator(matrix);
    const run = await lanczos(operator, { maxSteps: 20, stopWhenConverged: false, keepBasis: true, startVector: densityStartVector(1, 0, size) });
    const blocks = [
      { offset: 0, size: 25 },
      { offset: 25, size: 35 },
    ];
    const estimate = await krylovTrace(operator, run, { probes: 200, seed: 4, blocks });

    blocks.forEach((block, b) => {
      let truth = 0;
      for (let i = block.offset; i < block.offset + block.size; i++) {
        truth += matrix.data[i * size + i];
      }
      const { mean, standardError } = estimate.blockTraces[b];
      assert.ok(Math.abs(mean - truth) <= 4 * (standardError as number), `block ${b}: ${mean} ± ${standardError} vs ${truth}`);
    });
    const blockSum = estimate.blockTraces.reduce((sum, block) => sum + block.mean, 0);
    assert.ok(Math.abs(blockSum - estimate.estimate) < 1e-9 * Math.abs(estimate.estimate), 'blocks add up to the whole');
  });

  it('standard error covers the truth', async () => {
    const size = 80;
    const { matrix, eigenvalues } = matrixWithSpectrum(outlierSpectrum(size), 5);
    const operator = denseOperator(matrix);
    const trace = eigenvalues.reduce((sum, value) => sum + value, 0);

    let covered = 0;
    const seeds = 200;
    for (let seed = 0; seed < seeds; seed++) {
      const run = await lanczos(operator, { maxSteps: 8, stopWhenConverged: false, keepBasis: true, startVector: densityStartVector(seed, 0, size) });
      const estimate = await krylovTrace(operator, run, { probes: 20, seed });
      if (Math.abs(estimate.estimate - trace) <= 1.96 * estimate.standardError) {
        covered++;
      }
    }
    // Nominal 95%; t with 19 degrees of freedom gives about 93.5%.
    assert.ok(covered / seeds > 0.88 && covered / seeds < 0.99, `coverage ${covered / seeds}`);
  });

  it('beats Hutch++ at the same product count', async () => {
    const size = 200;
    const { matrix, eigenvalues } = matrixWithSpectrum(outlierSpectrum(size), 7);
    const operator = denseOperator(matrix);
    const trace = eigenvalues.reduce((sum, value) => sum + value, 0);

    let krylovSquaredError = 0;
    let hutchSquaredError = 0;
    const seeds = 40;
    for (let seed = 0; seed < seeds; seed++) {
      // The Lanczos run is paid for by the eigenvalue phase; both estimators get 30 products of their own.
      const run = await lanczos(operator, { maxSteps: 30, stopWhenConverged: false, keepBasis: true, startVector: densityStartVector(seed, 0, size) });
      const krylov = await krylovTrace(operator, run, { probes: 30, seed });
      const hutch = await hutchPlusPlusTrace(operator, { budget: 30, seed });
      krylovSquaredError += (krylov.estimate - trace) ** 2;
      hutchSquaredError += (hutch.estimate - trace) ** 2;
    }
    assert.ok(krylovSquaredError < hutchSquaredError, `mean squared errors ${krylovSquaredError / seeds} vs ${hutchSquaredError / seeds}`);
  });

  it('requires the run basis', async () => {
    const { matrix } = matrixWithSpectrum([1, 2, 3], 1);
    const operator = denseOperator(matrix);
    const run = await lanczos(operator, { maxSteps: 3 });
    await assert.rejects(krylovTrace(operator, run, { probes: 2 }), /keepBasis/);
  });
});

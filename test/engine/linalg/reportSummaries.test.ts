import * as assert from 'node:assert/strict';
import { denseOperator } from '../../../src/engine/linalg/denseMatrix';
import { lanczos } from '../../../src/engine/linalg/lanczos';
import { powerIteration } from '../../../src/engine/linalg/power';
import { densitySummary, lanczosEigenvalueSummary, powerEigenvalueSummary, traceSummary } from '../../../src/engine/linalg/reportSummaries';
import { spectralDensity } from '../../../src/engine/linalg/slq';
import { hutchPlusPlusTrace } from '../../../src/engine/linalg/trace';
import { linearSpace, matrixWithSpectrum } from './fixtures';

/** True when the value survives JSON unchanged: plain arrays and finite numbers only. */
function survivesJson(value: unknown): boolean {
  return JSON.stringify(JSON.parse(JSON.stringify(value))) === JSON.stringify(value) && !JSON.stringify(value).includes('null');
}

describe('report summaries', () => {
  const { matrix } = matrixWithSpectrum([-3, ...linearSpace(0, 2, 36), 6, 8, 10], 91);
  const operator = denseOperator(matrix);

  it('maps Lanczos to the eigenvalue summary', async () => {
    const summary = lanczosEigenvalueSummary(await lanczos(operator, { topK: 3, bottomK: 2, tolerance: 1e-8, maxSteps: 40 }));

    assert.equal(summary.method, 'lanczos');
    assert.deepEqual(summary.top.map((value) => Math.round(value * 1e6) / 1e6), [10, 8, 6]);
    assert.equal(Math.round(summary.bottom[0] * 1e6) / 1e6, -3);
    assert.ok(summary.bottom[1] > summary.bottom[0], 'bottom not ascending');
    assert.equal(summary.topResiduals.length, 3);
    assert.equal(summary.bottomResiduals.length, 2);
    assert.equal(summary.converged, true);
    assert.ok(Array.isArray(summary.top), 'top is not a plain array');
    assert.ok(survivesJson(summary), 'summary does not survive JSON');
  });

  it('maps power iteration to the eigenvalue summary', async () => {
    const summary = powerEigenvalueSummary(await powerIteration(operator, { topK: 2, tolerance: 1e-8, maxIterations: 500 }));

    assert.equal(summary.method, 'power');
    assert.deepEqual(summary.top.map((value) => Math.round(value * 1e6) / 1e6), [10, 8]);
    assert.deepEqual(summary.bottom, []);
    assert.equal(summary.breakdown, false);
  });

  it('splits power iteration pairs by sign', async () => {
    // Power iteration finds by magnitude: −12 comes before 10.
    const indefinite = denseOperator(matrixWithSpectrum([-12, -1, 0.5, 3, 10], 4).matrix);
    const summary = powerEigenvalueSummary(await powerIteration(indefinite, { topK: 2, tolerance: 1e-9, maxIterations: 2000 }));

    assert.deepEqual(summary.top.map((value) => Math.round(value * 1e6) / 1e6), [10]);
    assert.deepEqual(summary.bottom.map((value) => Math.round(value * 1e6) / 1e6), [-12]);
    assert.equal(summary.topResiduals.length, 1);
    assert.equal(summary.bottomResiduals.length, 1);
  });

  it('maps trace and density', async () => {
    const trace = traceSummary(await hutchPlusPlusTrace(operator, { budget: 12 }));
    assert.equal(trace.method, 'hutch++');
    assert.equal(trace.probes, 12);
    assert.ok(survivesJson(trace), 'trace summary does not survive JSON');

    const density = densitySummary(await spectralDensity(operator, { runs: 2, steps: 10, gridPoints: 200 }));
    assert.equal(density.grid.length, 200);
    assert.equal(density.values.length, 200);
    assert.equal(density.nodes.length, 20);
    assert.equal(density.runs, 2);
    assert.equal(density.steps, 10);
    assert.ok(Math.abs(density.negativeMass - 1 / 40) < 0.05, `negative mass ${density.negativeMass}`);
    assert.ok(survivesJson(density), 'density summary does not survive JSON');
  });
});

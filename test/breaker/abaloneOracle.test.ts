import { strict as assert } from 'node:assert';
import * as path from 'node:path';

import { analyzeModel } from '../../src/engine/analyze';
import type { Report } from '../../src/engine/report';
import { ABALONE_DIR } from './cliHelpers';

/**
 * The shipped abalone MLP on all 4,176 rows of its CSV, against a float64
 * Hessian computed independently: central differences of an analytic numpy
 * gradient (step 1e-5), with sex mapped F→0, M→1, I→2 as in the sidecar.
 */
const TRUTH = {
  lambdaMax: 50.29902,
  /** The three largest eigenvalues, from the same float64 Hessian. */
  top: [50.29902, 1.589765, 0.464908],
  lambdaMin: -0.24521,
  trace: 58.21573,
  layers: {
    dense_Dense1: { lambdaMax: 2.8834, lambdaMin: -0.029049, negativeShare: 0.0644 },
    dense_Dense2: { lambdaMax: 16.934, lambdaMin: -0.01565, negativeShare: 0 },
  },
};

describe('abalone MLP against a float64 Hessian', function () {
  let report: Report;

  before(async () => {
    report = await analyzeModel({
      modelPath: path.join(ABALONE_DIR, 'model.json'),
      backend: 'wasm',
      settings: { samples: 5000, slicePoints: 0 },
    });
  });

  it('uses every row', () => {
    assert.equal(report.data.samples, 4176);
  });

  it('extreme eigenvalues match', () => {
    assert.ok(Math.abs(report.eigenvalues.top[0] - TRUTH.lambdaMax) < 1e-3 * TRUTH.lambdaMax, `λmax ${report.eigenvalues.top[0]}`);
    assert.ok(Math.abs(report.eigenvalues.bottom[0] - TRUTH.lambdaMin) < 1e-3 * TRUTH.lambdaMax, `λmin ${report.eigenvalues.bottom[0]}`);
  });

  it('trace within four standard errors', () => {
    const { estimate, standardError } = report.trace;
    assert.ok(Math.abs(estimate - TRUTH.trace) <= 4 * standardError, `trace ${estimate} ± ${standardError} vs ${TRUTH.trace}`);
  });

  it('layers ran restricted products', () => {
    assert.ok(
      report.notes.some((note) => note.startsWith("Per-layer products ran as double backprop restricted to each layer's weights")),
      report.notes.join(' | '),
    );
  });

  it('layer λmax matches', () => {
    for (const [name, truth] of Object.entries(TRUTH.layers)) {
      const layer = report.layers.find((candidate) => candidate.name === name);
      assert.ok(layer !== undefined, `layer ${name} is in the report`);
      assert.ok(Math.abs((layer.lambdaMax as number) - truth.lambdaMax) < 1e-2 * truth.lambdaMax, `${name} λmax ${layer.lambdaMax}`);
    }
  });

  it('layer λmin finds negative curvature', () => {
    // Both hidden blocks are indefinite, so a positive λmin misreports them as convex.
    for (const [name, truth] of Object.entries(TRUTH.layers)) {
      const layer = report.layers.find((candidate) => candidate.name === name);
      assert.ok(layer !== undefined, `layer ${name} is in the report`);
      assert.ok((layer.lambdaMin as number) < 0, `${name} λmin ${layer.lambdaMin} should be negative (true ${truth.lambdaMin})`);
    }
  });

  it('layer negative mass is not zero', () => {
    const layer = report.layers.find((candidate) => candidate.name === 'dense_Dense1');
    assert.ok(layer !== undefined);
    const share = TRUTH.layers.dense_Dense1.negativeShare;
    assert.ok((layer.negativeMass as number) > share / 4, `negative mass ${layer.negativeMass} vs ${share} of the eigenvalues`);
  });
});

describe('abalone power iteration against a float64 Hessian', function () {
  it('top 3 match when converged', async () => {
    // 1.59 and 0.465 sit far below λmax = 50.3: the case where an earlier power
    // iteration reported mixtures of the bulk as converged.
    const report = await analyzeModel({
      modelPath: path.join(ABALONE_DIR, 'model.json'),
      backend: 'wasm',
      settings: { samples: 5000, eigenMethod: 'power', topK: 3, lanczosSteps: 200, perLayer: false, slicePoints: 0, densityRuns: 1, traceProbes: 6 },
    });

    assert.equal(report.eigenvalues.converged, true);
    TRUTH.top.forEach((truth, index) => {
      const value = report.eigenvalues.top[index];
      assert.ok(Math.abs(value - truth) < 1e-3 * truth, `top ${index}: power ${value}, float64 Hessian ${truth}`);
    });
  });
});

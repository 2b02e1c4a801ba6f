import * as assert from 'node:assert/strict';

import { layerFindings, modelFindings } from '../../src/server/diagnostics/findings';
import { DEFAULT_THRESHOLDS } from '../../src/server/settings';
import { makeLayer, makeReport } from './reportFixture';

const thresholds = { ...DEFAULT_THRESHOLDS, sharpMinimumLambdaMax: 100, negativeCurvatureTolerance: 0.05, negativeMassThreshold: 0.05 };

describe('modelFindings', function () {
  it('finds nothing in a healthy report', function () {
    assert.deepEqual(modelFindings(makeReport(), thresholds), []);
  });

  it('flags λmax above the threshold', function () {
    const findings = modelFindings(makeReport({ top: [150, 10] }), thresholds);

    assert.deepEqual(findings.map((finding) => finding.code), ['hessian.sharp-minimum']);
    assert.match(findings[0].message, /λmax = 150 is above the threshold 100/);
  });

  it('flags λmax above 2/learning rate', function () {
    const stable = modelFindings(makeReport({ top: [10, 5], learningRate: 0.19 }), thresholds);
    const unstable = modelFindings(makeReport({ top: [10, 5], learningRate: 0.21 }), thresholds);

    assert.deepEqual(stable, []);
    assert.deepEqual(unstable.map((finding) => finding.code), ['hessian.sharp-minimum']);
    assert.match(unstable[0].message, /above 2\/learning rate = 9\.52 .* below 2\/λmax = 0\.2\b/);
  });

  it('flags λmin below −tolerance·λmax', function () {
    const within = modelFindings(makeReport({ top: [10, 5], bottom: [-0.4, 0] }), thresholds);
    const beyond = modelFindings(makeReport({ top: [10, 5], bottom: [-0.6, 0] }), thresholds);

    assert.deepEqual(within, []);
    assert.deepEqual(beyond.map((finding) => finding.code), ['hessian.negative-curvature']);
    assert.match(beyond[0].message, /λmin = −0\.6 \(6\.0% of \|λmax\|\)/);
  });

  it('flags negative mass above the threshold', function () {
    const findings = modelFindings(makeReport({ negativeMass: 0.2 }), thresholds);

    assert.deepEqual(findings.map((finding) => finding.code), ['hessian.negative-curvature']);
    assert.match(findings[0].message, /negative spectral mass 20\.0%/);
  });

  it('flags accuracy at chance level', function () {
    const chance = modelFindings(makeReport({ accuracy: 0.12, chanceAccuracy: 0.1 }), thresholds);
    const above = modelFindings(makeReport({ accuracy: 0.2, chanceAccuracy: 0.1 }), thresholds);
    const regression = modelFindings(makeReport({ accuracy: null, chanceAccuracy: null }), thresholds);

    assert.deepEqual(chance.map((finding) => finding.code), ['hessian.chance-accuracy']);
    assert.deepEqual(above, []);
    assert.deepEqual(regression, []);
  });

  it('turns the λmax threshold off at 0', function () {
    assert.deepEqual(modelFindings(makeReport({ top: [1e6, 1] }), { ...thresholds, sharpMinimumLambdaMax: 0 }), []);
  });
});

describe('layerFindings', function () {
  it('flags a sharp layer and a layer with negative curvature', function () {
    const sharp = layerFindings(makeLayer('fc1', { lambdaMax: 500 }), thresholds);
    const saddle = layerFindings(makeLayer('fc2', { lambdaMax: 2, lambdaMin: -1, negativeMass: 0.3 }), thresholds);
    const healthy = layerFindings(makeLayer('fc3'), thresholds);

    assert.deepEqual(sharp.map((finding) => finding.code), ['hessian.sharp-minimum']);
    assert.match(sharp[0].message, /^Sharp layer fc1/);
    assert.deepEqual(saddle.map((finding) => finding.code), ['hessian.negative-curvature']);
    assert.match(saddle[0].message, /in layer fc2/);
    assert.deepEqual(healthy, []);
  });
});

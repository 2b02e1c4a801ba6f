import { strict as assert } from 'node:assert';

import { analyzeModel } from '../../src/engine/analyze';
import type { AnalysisSettings, Report } from '../../src/engine/report';
import { realFile } from '../realFiles';

/**
 * The real models from other projects on their real data, with settings small
 * enough for CI. The trained LeNet must verify exact products and show a
 * positive top eigenvalue. The untrained LeNet must show negative curvature,
 * and the abalone MLP must analyse straight from its CSV file.
 */

const QUICK: Partial<AnalysisSettings> = {
  samples: 64,
  batchSize: 64,
  topK: 3,
  lanczosSteps: 24,
  densityRuns: 2,
  densitySteps: 24,
  traceProbes: 12,
  slicePoints: 5,
  perLayer: true,
};

const MNIST = { path: realFile('data', 'mnist-1k', 'mnist-1k.npz') };

describe('analyzeModel on real models', function () {
  let trained: Report;
  let untrained: Report;

  before(async () => {
    trained = await analyzeModel({
      modelPath: realFile('models', 'tensorspace-lenet-trained', 'mnist.json'),
      data: MNIST,
      loss: 'sparse_categorical_crossentropy',
      settings: QUICK,
    });
    untrained = await analyzeModel({
      modelPath: realFile('models', 'tensorspace-tfjs-lenet-UNTRAINED', 'mnist.json'),
      data: MNIST,
      loss: 'sparse_categorical_crossentropy',
      settings: QUICK,
    });
  });

  it('trained LeNet verifies exact products', () => {
    assert.equal(trained.hvp.method, 'exact', trained.hvp.reason);
    assert.notEqual(trained.hvp.verificationError, null);
    assert.ok((trained.hvp.verificationError as number) < 2e-2, trained.hvp.reason);
  });

  it('trained LeNet has a positive top eigenvalue', () => {
    assert.equal(trained.model.numParameters, 61706);
    assert.equal(trained.model.outputIndex, 7);
    assert.ok(trained.eigenvalues.top[0] > 0);
    // At a trained minimum the top eigenvalue dominates the negative end.
    assert.ok(trained.eigenvalues.top[0] > 10 * Math.abs(trained.eigenvalues.bottom[0]), JSON.stringify(trained.eigenvalues));
    assert.notEqual(trained.accuracy, null);
    assert.ok((trained.accuracy as number) > 0.85, `accuracy ${trained.accuracy}`);
    assert.equal(trained.warnings.filter((warning) => warning.code === 'chance-accuracy').length, 0);
  });

  it('trained LeNet reports every layer', () => {
    assert.deepEqual(
      trained.layers.map((layer) => layer.className),
      ['Conv2D', 'Conv2D', 'Dense', 'Dense', 'Dense'],
    );
    assert.equal(
      trained.layers.reduce((sum, layer) => sum + layer.numParameters, 0),
      61706,
    );
    for (const layer of trained.layers) {
      assert.ok((layer.lambdaMax as number) > 0, `${layer.name} λmax`);
    }
  });

  it('untrained LeNet shows negative curvature', () => {
    assert.equal(untrained.hvp.method, 'exact', untrained.hvp.reason);
    assert.ok(untrained.eigenvalues.bottom[0] < 0);
    // Far from a minimum, the negative end is a sizeable share of the positive one.
    assert.ok(
      Math.abs(untrained.eigenvalues.bottom[0]) > 0.05 * untrained.eigenvalues.top[0],
      JSON.stringify(untrained.eigenvalues),
    );
    assert.ok(untrained.density.negativeMass > 0);
    assert.ok(Math.abs(untrained.lossValue - Math.log(10)) < 0.05, `loss ${untrained.lossValue}`);
    assert.ok(untrained.warnings.some((warning) => warning.code === 'chance-accuracy'));
  });

  it('abalone MLP analyses from CSV', async () => {
    const report = await analyzeModel({
      modelPath: realFile('models', 'tfjs-examples-abalone', 'model.json'),
      data: { path: realFile('data', 'abalone', 'abalone.csv'), labelColumn: 'rings', categories: { sex: ['F', 'M', 'I'] } },
      loss: 'mean_squared_error',
      settings: { ...QUICK, samples: 500, batchSize: 500 },
    });
    assert.equal(report.model.numParameters, 3051);
    assert.equal(report.data.samples, 500);
    assert.equal(report.data.totalSamples, 4176);
    assert.equal(report.accuracy, null);
    assert.equal(report.hvp.method, 'exact', report.hvp.reason);
    assert.ok(report.eigenvalues.top[0] > 0);
    assert.ok(Number.isFinite(report.trace.estimate));
    assert.equal(report.layers.length, 3);
  });

  it('abalone power iteration matches Lanczos', async () => {
    // One large eigenvalue above a bulk near 0: the case where a shifted
    // power iteration once reported bulk values as the top 2 to 5.
    const request = {
      modelPath: realFile('models', 'tfjs-examples-abalone', 'model.json'),
      data: { path: realFile('data', 'abalone', 'abalone.csv'), labelColumn: 'rings', categories: { sex: ['F', 'M', 'I'] } },
      loss: 'mean_squared_error' as const,
    };
    const settings = { ...QUICK, samples: 500, batchSize: 500, lanczosSteps: 60, perLayer: false, slicePoints: 0, densityRuns: 1 };
    const lanczos = await analyzeModel({ ...request, settings });
    const power = await analyzeModel({ ...request, settings: { ...settings, eigenMethod: 'power' } });

    assert.equal(power.eigenvalues.method, 'power');
    assert.equal(power.eigenvalues.converged, true);
    const scale = lanczos.eigenvalues.top[0];
    lanczos.eigenvalues.top.forEach((value, index) => {
      assert.ok(Math.abs(power.eigenvalues.top[index] - value) < 1e-3 * scale, `top ${index}: power ${power.eigenvalues.top[index]}, Lanczos ${value}`);
    });
  });
});

import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { analyzeModel } from '../../src/engine/analyze';
import { HessianProducts } from '../../src/engine/hvp/hessianProducts';
import { LocalProductSource } from '../../src/engine/hvp/localProductSource';
import { createLossProblem, disposeProblem } from '../../src/engine/hvp/lossProblem';
import { symmetricEigen } from '../../src/engine/linalg/denseEigen';
import { asymmetry as maxAsymmetry, materializeOperator, matrixFromRows, multiplyMatrixVector, symmetricPart, type DenseMatrix } from '../../src/engine/linalg/denseMatrix';
import { densityStartVector } from '../../src/engine/linalg/slq';
import { createRandom, normalVector } from '../../src/engine/linalg/random';
import type { Report } from '../../src/engine/report';
import { installGradientFixes, selectBackend } from '../../src/engine/tfjs';
import { makeTemporaryFolder, saveLayersModel, writeNpy } from './analysisFixtures';

/**
 * The whole pipeline (loading from disk, data fitting, exact products,
 * Lanczos, Hutch++, SLQ) against independent truth: the closed-form Hessian
 * of linear regression, and the dense Hessian of a small network built column
 * by column and decomposed by the dense Jacobi eigensolver.
 */

const SMALL_SETTINGS = {
  samples: 64,
  batchSize: 24,
  topK: 3,
  lanczosSteps: 40,
  densityRuns: 3,
  densitySteps: 40,
  traceProbes: 30,
  slicePoints: 5,
  seed: 3,
};

function relativeError(actual: number, expected: number, scale = Math.abs(expected)): number {
  return Math.abs(actual - expected) / scale;
}

function densityMoment(report: Report, power: number): number {
  return report.density.nodes.reduce((sum, node, i) => sum + report.density.weights[i] * node ** power, 0);
}

/**
 * vᵀHᵖv for each density run's unit starting vector v. Gauss quadrature with m
 * Lanczos steps is exact for polynomials of degree below 2m, so the report's
 * density moments must equal the mean of these draws, and the draws estimate
 * tr(Hᵖ)/n like Hutchinson's.
 */
function startVectorMoments(matrix: DenseMatrix, seed: number, runs: number, power: 1 | 2): number[] {
  return Array.from({ length: runs }, (_, run) => {
    const start = densityStartVector(seed, run, matrix.rows);
    const once = multiplyMatrixVector(matrix, start);
    const product = power === 1 ? once : multiplyMatrixVector(matrix, once);
    return start.reduce((sum, value, i) => sum + value * product[i], 0);
  });
}

function meanOf(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

describe('analyzeModel against closed forms', function () {
  let folder: string;

  before(async () => {
    await selectBackend('cpu');
    installGradientFixes();
    folder = makeTemporaryFolder();
  });

  after(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('linear regression matches 2XᵀX/n with bias', async () => {
    const samples = 64;
    const features = 5;
    const random = createRandom(11);
    const inputs = normalVector(random, samples * features).map((value, i) => value * (1 + (i % features)));
    const targets = normalVector(random, samples);

    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [features], units: 1 })] });
    model.setWeights([tf.tensor2d(Array.from(normalVector(random, features)), [features, 1]), tf.tensor1d([0.3])]);
    const modelFile = await saveLayersModel(model, folder, 'linear');
    const inputsFile = path.join(folder, 'linear-x.npy');
    const targetsFile = path.join(folder, 'linear-y.npy');
    writeNpy(inputsFile, inputs, [samples, features]);
    writeNpy(targetsFile, targets, [samples, 1]);

    const report = await analyzeModel(
      { modelPath: modelFile, data: { path: inputsFile, labelsPath: targetsFile }, loss: 'mean_squared_error', backend: 'cpu', settings: { ...SMALL_SETTINGS, topK: 2 } },
      {},
    );

    // H = (2/n)·[XᵀX, Xᵀ1; 1ᵀX, n] over the parameters (kernel, bias).
    const rows: number[][] = Array.from({ length: features + 1 }, () => new Array(features + 1).fill(0));
    for (let s = 0; s < samples; s++) {
      const row = [...Array.from(inputs.subarray(s * features, (s + 1) * features)), 1];
      for (let i = 0; i <= features; i++) {
        for (let j = 0; j <= features; j++) {
          rows[i][j] += (2 / samples) * row[i] * row[j];
        }
      }
    }
    const truth = symmetricEigen(matrixFromRows(rows)).values;
    const largest = truth[truth.length - 1];
    const trace = rows.reduce((sum, row, i) => sum + row[i], 0);

    assert.equal(report.model.numParameters, features + 1);
    assert.equal(report.hvp.method, 'exact');
    assert.ok(relativeError(report.eigenvalues.top[0], largest) < 1e-5, `λmax ${report.eigenvalues.top[0]} vs ${largest}`);
    assert.ok(relativeError(report.eigenvalues.top[1], truth[truth.length - 2], largest) < 1e-5);
    assert.ok(relativeError(report.eigenvalues.bottom[0], truth[0], largest) < 1e-5, `λmin ${report.eigenvalues.bottom[0]} vs ${truth[0]}`);
    // With n = 6 ≤ budget, Hutch++ computes the trace exactly.
    assert.ok(relativeError(report.trace.estimate, trace) < 1e-5, `trace ${report.trace.estimate} vs ${trace}`);
    const hessian = matrixFromRows(rows);
    const firstMoment = meanOf(startVectorMoments(hessian, SMALL_SETTINGS.seed, SMALL_SETTINGS.densityRuns, 1));
    assert.ok(relativeError(densityMoment(report, 1), firstMoment) < 1e-5, `first moment ${densityMoment(report, 1)} vs ${firstMoment}`);
    assert.equal(report.density.negativeMass, 0);
    assert.ok(relativeError(report.learningRate.maxStableGradientDescent as number, 2 / largest) < 1e-5);
  });
});

describe('analyzeModel against a dense Hessian', function () {
  let folder: string;
  let modelFile: string;
  let inputsFile: string;
  let labelsFile: string;
  let dense: DenseMatrix;
  let eigenvalues: Float64Array;
  let asymmetryOfColumns: number;
  let report: Report;

  before(async () => {
    await selectBackend('cpu');
    installGradientFixes();
    folder = makeTemporaryFolder();

    // A 4 → 8 tanh → 3 softmax classifier with 67 parameters, away from a minimum,
    // so its Hessian is indefinite.
    const samples = 48;
    const random = createRandom(5);
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 8, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }),
        tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }),
      ],
    });
    modelFile = await saveLayersModel(model, folder, 'mlp', {
      loss: 'categoricalCrossentropy',
      optimizer_config: { class_name: 'SGD', config: { learning_rate: 0.05 } },
    });
    const inputs = normalVector(random, samples * 4);
    const labels = Array.from({ length: samples }, (_, i) => (i * 7) % 3);
    inputsFile = path.join(folder, 'mlp-x.npy');
    labelsFile = path.join(folder, 'mlp-y.npy');
    writeNpy(inputsFile, inputs, [samples, 4]);
    writeNpy(labelsFile, labels, [samples], 'int32');

    report = await analyzeModel(
      { modelPath: modelFile, data: { path: inputsFile, labelsPath: labelsFile }, backend: 'cpu', settings: SMALL_SETTINGS },
      {},
    );

    // Dense Hessian: one exact product per unit vector, on the same samples.
    const oneHot = new Float32Array(samples * 3);
    labels.forEach((label, i) => (oneHot[i * 3 + label] = 1));
    const problem = createLossProblem(model, 'categorical_crossentropy', { inputs: Float32Array.from(inputs), inputShape: [samples, 4], targets: oneHot, targetShape: [samples, 3] }, samples);
    const products = new HessianProducts(new LocalProductSource(problem), 'exact');
    const columns = await materializeOperator({ size: products.size, apply: (vector) => products.exact(vector) });
    disposeProblem(problem);
    asymmetryOfColumns = maxAsymmetry(columns);
    dense = symmetricPart(columns);
    eigenvalues = symmetricEigen(dense).values;
  });

  after(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('dense oracle is indefinite and symmetric', () => {
    assert.equal(dense.rows, 67);
    assert.ok(eigenvalues[0] < 0, 'the oracle Hessian has a negative eigenvalue');
    // Columns come from float32 products, so the matrix is symmetric up to float32 rounding.
    assert.ok(asymmetryOfColumns < 1e-5 * eigenvalues[eigenvalues.length - 1], `asymmetry ${asymmetryOfColumns}`);
  });

  it('top and bottom eigenvalues match', () => {
    const scale = Math.max(Math.abs(eigenvalues[0]), Math.abs(eigenvalues[eigenvalues.length - 1]));
    for (let k = 0; k < 3; k++) {
      assert.ok(
        relativeError(report.eigenvalues.top[k], eigenvalues[eigenvalues.length - 1 - k], scale) < 1e-4,
        `top ${k}: ${report.eigenvalues.top[k]} vs ${eigenvalues[eigenvalues.length - 1 - k]}`,
      );
      assert.ok(
        relativeError(report.eigenvalues.bottom[k], eigenvalues[k], scale) < 1e-4,
        `bottom ${k}: ${report.eigenvalues.bottom[k]} vs ${eigenvalues[k]}`,
      );
    }
    assert.equal(report.eigenvalues.converged, true);
  });

  it('trace is within three standard errors', () => {
    const trace = eigenvalues.reduce((sum, value) => sum + value, 0);
    assert.ok(
      Math.abs(report.trace.estimate - trace) <= 3 * report.trace.standardError + 1e-6 * Math.abs(trace),
      `trace ${report.trace.estimate} ± ${report.trace.standardError} vs ${trace}`,
    );
  });

  it('density moments and negative mass match', () => {
    const n = eigenvalues.length;
    const spacing = report.density.grid[1] - report.density.grid[0];
    assert.ok(Math.abs(report.density.values.reduce((sum, value) => sum + value, 0) * spacing - 1) < 1e-2);

    for (const power of [1, 2] as const) {
      const draws = startVectorMoments(dense, SMALL_SETTINGS.seed, SMALL_SETTINGS.densityRuns, power);
      const quadratureMoment = densityMoment(report, power);
      const trueMoment = eigenvalues.reduce((sum, value) => sum + value ** power, 0) / n;
      const spread = Math.sqrt(draws.reduce((sum, draw) => sum + (draw - meanOf(draws)) ** 2, 0) / (draws.length - 1));

      // Exact identity: the quadrature moment is the mean of vᵀHᵖv over the runs.
      assert.ok(relativeError(quadratureMoment, meanOf(draws), Math.abs(trueMoment)) < 1e-4, `moment ${power}: ${quadratureMoment} vs ${meanOf(draws)}`);
      // Statistical agreement with tr(Hᵖ)/n of the dense Hessian.
      assert.ok(
        Math.abs(quadratureMoment - trueMoment) <= (4 * spread) / Math.sqrt(draws.length),
        `moment ${power}: ${quadratureMoment} vs tr(H^${power})/n = ${trueMoment}`,
      );
    }

    const largest = Math.max(...eigenvalues.map(Math.abs));
    const negativeShare = eigenvalues.filter((value) => value < -1e-3 * largest).length / n;
    assert.ok(Math.abs(report.density.negativeMass - negativeShare) < 0.2, `negative mass ${report.density.negativeMass} vs ${negativeShare}`);
  });

  it('per-layer blocks match the dense diagonal blocks', () => {
    const blocks = [
      { offset: 0, size: 40 },
      { offset: 40, size: 27 },
    ];
    assert.equal(report.layers.length, 2);
    // The layers' products ran restricted to each layer's weights, so this compares that path with the dense truth.
    assert.ok(
      report.notes.some((note) => note.startsWith("Per-layer products ran as double backprop restricted to each layer's weights")),
      report.notes.join(' | '),
    );
    report.layers.forEach((layer, index) => {
      const { offset, size } = blocks[index];
      const rows = Array.from({ length: size }, (_, i) =>
        Array.from({ length: size }, (_, j) => dense.data[(offset + i) * dense.rows + offset + j]),
      );
      const blockValues = symmetricEigen(matrixFromRows(rows)).values;
      const blockTrace = rows.reduce((sum, row, i) => sum + row[i], 0);
      const scale = Math.max(Math.abs(blockValues[0]), Math.abs(blockValues[size - 1]));

      assert.equal(layer.numParameters, size);
      assert.ok(relativeError(layer.lambdaMax as number, blockValues[size - 1], scale) < 1e-2, `${layer.name} λmax`);
      assert.ok(relativeError(layer.lambdaMin as number, blockValues[0], scale) < 1e-2, `${layer.name} λmin`);
      assert.ok(
        Math.abs((layer.trace as number) - blockTrace) <= 4 * (layer.traceStandardError as number),
        `${layer.name} trace ${layer.trace} ± ${layer.traceStandardError} vs ${blockTrace}`,
      );
    });
  });

  it('loss slice passes through the trained loss', () => {
    const slice = report.slice;
    assert.ok(slice !== null);
    const middle = Math.floor(slice.alphas.length / 2);
    assert.equal(slice.alphas[middle], 0);
    assert.ok(relativeError(slice.losses[middle], report.lossValue) < 1e-5);
  });

  it('learning rate and stability bound come from the file', () => {
    assert.equal(report.learningRate.value, 0.05);
    assert.equal(report.learningRate.optimizer, 'SGD');
    assert.ok(relativeError(report.learningRate.maxStableGradientDescent as number, 2 / eigenvalues[eigenvalues.length - 1]) < 1e-4);
  });

  for (const traceMethod of ['hutch++', 'hutchinson'] as const) {
    it(`${traceMethod} trace and block traces match`, async () => {
      const other = await analyzeModel(
        {
          modelPath: modelFile,
          data: { path: inputsFile, labelsPath: labelsFile },
          backend: 'cpu',
          settings: { ...SMALL_SETTINGS, traceMethod, traceProbes: 45, slicePoints: 0 },
        },
        {},
      );
      const trace = eigenvalues.reduce((sum, value) => sum + value, 0);
      assert.equal(other.trace.method, traceMethod);
      assert.ok(
        Math.abs(other.trace.estimate - trace) <= 4 * other.trace.standardError,
        `trace ${other.trace.estimate} ± ${other.trace.standardError} vs ${trace}`,
      );
      other.layers.forEach((layer, index) => {
        const offset = index === 0 ? 0 : 40;
        const size = index === 0 ? 40 : 27;
        let blockTrace = 0;
        for (let i = offset; i < offset + size; i++) {
          blockTrace += dense.data[i * dense.rows + i];
        }
        assert.ok(
          Math.abs((layer.trace as number) - blockTrace) <= 4 * (layer.traceStandardError as number),
          `${layer.name} trace ${layer.trace} ± ${layer.traceStandardError} vs ${blockTrace}`,
        );
      });
    });
  }

  it('same seed gives the same report', async () => {
    const again = await analyzeModel(
      { modelPath: modelFile, data: { path: inputsFile, labelsPath: labelsFile }, backend: 'cpu', settings: SMALL_SETTINGS },
      {},
    );
    assert.deepEqual(again.eigenvalues, report.eigenvalues);
    assert.deepEqual(again.trace, report.trace);
    assert.deepEqual(again.density.values, report.density.values);
    assert.deepEqual(again.layers, report.layers);
  });
});

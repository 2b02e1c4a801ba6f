import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import type { Worker } from 'node:worker_threads';

import { createLossProblem, type ProblemData } from '../../../src/engine/hvp/lossProblem';
import { LocalProductSource } from '../../../src/engine/hvp/localProductSource';
import { relativeDifference } from '../../../src/engine/hvp/verifyExactHvp';
import { createRandom, normalVector } from '../../../src/engine/linalg/random';
import { splitEvenly, WorkerProductSource } from '../../../src/engine/parallel/workerProductSource';
import { installGradientFixes, selectBackend } from '../../../src/engine/tfjs';
import { makeTemporaryFolder, saveLayersModel } from '../analysisFixtures';

/**
 * Products from a pool of worker threads against the same products computed
 * in this thread: they must agree within float32 rounding, and a worker that
 * dies must fail every request instead of returning a partial sum.
 */
describe('WorkerProductSource', function () {
  let folder: string;
  let modelFile: string;
  let model: tf.LayersModel;
  let data: ProblemData;
  let local: LocalProductSource;
  let pool: WorkerProductSource;

  before(async () => {
    await selectBackend('cpu');
    installGradientFixes();
    folder = makeTemporaryFolder('hessian-workers-');

    model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [6], units: 10, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }),
        tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) }),
      ],
    });
    modelFile = await saveLayersModel(model, folder, 'pool');

    const samples = 37;
    const random = createRandom(9);
    const targets = new Float32Array(samples * 4);
    for (let i = 0; i < samples; i++) {
      targets[i * 4 + (i % 4)] = 1;
    }
    data = { inputs: Float32Array.from(normalVector(random, samples * 6)), inputShape: [samples, 6], targets, targetShape: [samples, 4] };

    local = new LocalProductSource(createLossProblem(model, 'categorical_crossentropy', data, 8));
    pool = await WorkerProductSource.start(
      2,
      { modelPath: modelFile, outputIndex: 0, loss: 'categorical_crossentropy', backend: 'cpu', wasmFolder: null, batchSize: 8 },
      data,
    );
  });

  after(async () => {
    await local.dispose();
    await pool.dispose();
    model.dispose();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('splits samples evenly', () => {
    assert.deepEqual(splitEvenly(37, 2), [19, 18]);
    assert.deepEqual(splitEvenly(5, 3), [2, 2, 1]);
    assert.deepEqual(splitEvenly(2, 2), [1, 1]);
  });

  it('starts two workers', () => {
    assert.equal(pool.workerCount, 2);
    assert.equal(pool.samples, 37);
    assert.equal(pool.size, local.size);
  });

  it('exact products match one thread', async () => {
    const vector = normalVector(createRandom(1), local.size);
    const error = relativeDifference(await pool.exactHvp(vector), await local.exactHvp(vector));
    assert.ok(error < 1e-6, `relative difference ${error}`);
  });

  it('block products match one thread', async () => {
    for (const [index, block] of local.problem.layout.blocks.entries()) {
      const vector = normalVector(createRandom(2, block.layerName), block.size);
      const pooled = await pool.exactBlockHvp(index, vector);
      assert.equal(pooled.length, block.size);
      const error = relativeDifference(pooled, await local.exactBlockHvp(index, vector));
      assert.ok(error < 1e-6, `${block.layerName}: relative difference ${error}`);
    }
  });

  it('gradient and loss match one thread', async () => {
    const fromPool = await pool.gradient();
    const fromLocal = await local.gradient();
    assert.ok(relativeDifference(fromPool.gradient, fromLocal.gradient) < 1e-6);
    assert.ok(Math.abs(fromPool.loss - fromLocal.loss) < 1e-6 * fromLocal.loss);
    assert.ok(Math.abs((await pool.loss()) - fromLocal.loss) < 1e-6 * fromLocal.loss);
  });

  it('predictions keep sample order', async () => {
    const fromPool = await pool.evaluate();
    const fromLocal = await local.evaluate();
    assert.equal(fromPool.predictions.length, 37 * 4);
    for (let i = 0; i < fromLocal.predictions.length; i++) {
      assert.ok(Math.abs(fromPool.predictions[i] - fromLocal.predictions[i]) < 1e-6, `prediction ${i}`);
    }
  });

  it('written parameters reach every worker', async () => {
    const theta = await pool.readParameters();
    const shifted = theta.map((value, i) => value + 0.01 * Math.sin(i));
    await pool.writeParameters(shifted);
    await local.writeParameters(shifted);
    const moved = Math.abs((await pool.loss()) - (await local.loss()));
    await pool.writeParameters(theta);
    await local.writeParameters(theta);
    assert.ok(moved < 1e-6, `loss difference after the write ${moved}`);
    assert.ok(relativeDifference(await pool.readParameters(), theta) < 1e-7);
  });

  it('dead worker fails every request', async () => {
    const doomed = await WorkerProductSource.start(
      2,
      { modelPath: modelFile, outputIndex: 0, loss: 'categorical_crossentropy', backend: 'cpu', wasmFolder: null, batchSize: 8 },
      data,
    );
    try {
      const vector = normalVector(createRandom(2), doomed.size);
      // Reach into the pool to kill one thread as a crash would; the pool is not told.
      const workers = (doomed as unknown as { workers: Array<{ worker: Worker }> }).workers;
      const pending = doomed.exactHvp(vector);
      await workers[1].worker.terminate();

      await assert.rejects(pending, /Product worker 1 stopped unexpectedly/);
      await assert.rejects(doomed.gradient(), /Product worker 1 stopped unexpectedly/);
    } finally {
      await doomed.dispose();
    }
  });
});

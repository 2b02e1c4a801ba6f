import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';

import { checkBlockProducts, describeBlockChecks } from '../../../src/engine/analysis/verifyBlockProducts';
import { HessianProducts } from '../../../src/engine/hvp/hessianProducts';
import { LocalProductSource } from '../../../src/engine/hvp/localProductSource';
import { createLossProblem } from '../../../src/engine/hvp/lossProblem';
import { relativeDifference } from '../../../src/engine/hvp/verifyExactHvp';
import { createRandom, normalVector } from '../../../src/engine/linalg/random';
import { TEST_BACKENDS, useBackend } from '../tfjs/backendSetup';
import { LAYER_CASES, buildProblem } from '../tfjs/layerCases';
import { sourceWith } from './sourceStandIn';

/**
 * Products with one layer's diagonal Hessian block by double backprop
 * restricted to that layer's weights, against two independent truths: the
 * block of the full product of the vector embedded with zeros, and a central
 * difference of gradients. The model is a small smooth CNN, so that finite
 * differences are accurate.
 */

function smoothCnn(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 3, kernelSize: 3, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 5, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }),
    ],
  });
}

function smoothCnnSource(model: tf.LayersModel): LocalProductSource {
  const samples = 12;
  const random = createRandom(4, 'block data');
  const targets = new Float32Array(samples * 3);
  for (let i = 0; i < samples; i++) {
    targets[i * 3 + (i % 3)] = 1;
  }
  const inputs = Float32Array.from(normalVector(random, samples * 36));
  // Batches of 5 make the sum over batches part of what is checked.
  return new LocalProductSource(createLossProblem(model, 'categorical_crossentropy', { inputs, inputShape: [samples, 6, 6, 1], targets, targetShape: [samples, 3] }, 5));
}

/** Returns the full product of `vector` embedded at the block, restricted to the block. */
async function embeddedProduct(compute: (vector: Float64Array) => Promise<Float64Array>, size: number, offset: number, vector: Float64Array): Promise<Float64Array> {
  const embedded = new Float64Array(size);
  embedded.set(vector, offset);
  return (await compute(embedded)).slice(offset, offset + vector.length);
}

for (const backend of TEST_BACKENDS) {
  describe(`block products on ${backend}`, function () {
    let model: tf.LayersModel;
    let source: LocalProductSource;

    before(async () => {
      await useBackend(backend);
      model = smoothCnn();
      source = smoothCnnSource(model);
    });

    after(async () => {
      await source.dispose();
      model.dispose();
    });

    it('match full products and differences', async () => {
      const products = new HessianProducts(source, 'exact');
      const blocks = source.problem.layout.blocks;
      assert.deepEqual(
        blocks.map((block) => block.size),
        [30, 65, 18],
      );

      for (const [index, block] of blocks.entries()) {
        const vector = normalVector(createRandom(7, block.layerName), block.size);
        const restricted = await source.exactBlockHvp(index, vector);
        const full = await embeddedProduct((v) => products.exact(v), source.size, block.offset, vector);
        const differences = await embeddedProduct((v) => products.finiteDifference(v), source.size, block.offset, vector);

        assert.equal(restricted.length, block.size);
        assert.ok(relativeDifference(restricted, full) < 1e-5, `${block.layerName}: ${relativeDifference(restricted, full)} from the full product`);
        assert.ok(relativeDifference(restricted, differences) < 2e-3, `${block.layerName}: ${relativeDifference(restricted, differences)} from finite differences`);
      }
    });

    it('match full products per layer type', async () => {
      // Pruning the backward pass differs by layer type (gathers, recurrences,
      // normalisations), so each case of the finite-difference suite is checked.
      const failures: string[] = [];
      for (const layerCase of LAYER_CASES) {
        const problem = buildProblem(layerCase, 3);
        const caseSource = new LocalProductSource(problem);
        try {
          const checks = await checkBlockProducts(caseSource, problem.layout.blocks, new HessianProducts(caseSource, 'exact'), 1);
          for (const check of checks.filter((candidate) => !candidate.passed)) {
            failures.push(`${layerCase.name} ${check.layerName}: ${check.relativeDifference}`);
          }
        } finally {
          await caseSource.dispose();
          problem.model.dispose();
        }
      }
      assert.deepEqual(failures, []);
    });

    it('run restricted where checked', async () => {
      const products = new HessianProducts(source, 'exact');
      const checks = await checkBlockProducts(source, source.problem.layout.blocks, products, 0);

      assert.deepEqual(
        checks.map((check) => check.passed),
        [true, true, true],
      );
      assert.deepEqual([...products.restrictedBlocks].sort(), [0, 1, 2]);
      assert.match(describeBlockChecks(checks, source.samples), /^Per-layer products ran as double backprop restricted to each layer's weights, checked against full products on 12 samples/);
    });
  });
}

describe('block products that disagree', function () {
  let model: tf.LayersModel;
  let source: LocalProductSource;

  before(async () => {
    await useBackend('cpu');
    model = smoothCnn();
    source = smoothCnnSource(model);
  });

  after(async () => {
    await source.dispose();
    model.dispose();
  });

  it('fall back where they disagree', async () => {
    // A mock replaces the restricted product of the second layer with a wrong
    // one, because the real one agrees on every model these tests build.
    let restrictedCalls = 0;
    const faulty = sourceWith(source, {
      exactBlockHvp: async (blockIndex, vector) => {
        restrictedCalls++;
        const product = await source.exactBlockHvp(blockIndex, vector);
        return blockIndex === 1 ? product.map((value) => value * 1.01) : product;
      },
    });
    const products = new HessianProducts(faulty, 'exact');
    const blocks = source.problem.layout.blocks;
    const checks = await checkBlockProducts(faulty, blocks, products, 0);

    assert.deepEqual(
      checks.map((check) => check.passed),
      [true, false, true],
    );
    assert.match(describeBlockChecks(checks, source.samples), /^Per-layer products ran as full products for dense_Dense\d+ \(1\.0e-2\)/);

    const vector = normalVector(createRandom(8), blocks[1].size);
    restrictedCalls = 0;
    const product = await products.applyBlock(1, blocks[1].offset, blocks[1].size, vector);
    const full = await embeddedProduct((v) => source.exactHvp(v), source.size, blocks[1].offset, vector);
    assert.equal(restrictedCalls, 0, 'the failed layer still used the restricted product');
    assert.ok(relativeDifference(product, full) < 1e-12);

    await products.applyBlock(0, blocks[0].offset, blocks[0].size, normalVector(createRandom(9), blocks[0].size));
    assert.equal(restrictedCalls, 1, 'the checked layer did not use the restricted product');
    assert.equal(products.count, 2);
  });
});

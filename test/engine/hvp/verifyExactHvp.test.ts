import * as tf from '@tensorflow/tfjs';
import { strict as assert } from 'node:assert';

import { HessianProducts } from '../../../src/engine/hvp/hessianProducts';
import { LocalProductSource } from '../../../src/engine/hvp/localProductSource';
import { createLossProblem } from '../../../src/engine/hvp/lossProblem';
import type { ProductSource } from '../../../src/engine/hvp/productSource';
import { chooseHvpMethod } from '../../../src/engine/hvp/verifyExactHvp';
import { createRandom, normalVector } from '../../../src/engine/linalg/random';
import { installGradientFixes, selectBackend } from '../../../src/engine/tfjs';
import { sourceWith } from './sourceStandIn';

/**
 * The verification that decides between exact and finite-difference products.
 * A wrong exact product is simulated by scaling a correct one: the stock
 * TensorFlow.js kernels that produce wrong products cannot be restored in
 * this process once the fixes are installed, and their errors are shown in
 * the tfjs tests.
 */

function scaledExactProducts(source: ProductSource, factor: number): ProductSource {
  return sourceWith(source, {
    exactHvp: async (vector) => (await source.exactHvp(vector)).map((value) => value * factor),
    exactBlockHvp: async (blockIndex, vector) => (await source.exactBlockHvp(blockIndex, vector)).map((value) => value * factor),
  });
}

describe('chooseHvpMethod', function () {
  let source: LocalProductSource;
  let model: tf.LayersModel;

  before(async () => {
    await selectBackend('cpu');
    installGradientFixes();
    model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [5], units: 7, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: 8 }) }),
        tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 9 }) }),
      ],
    });
    const samples = 16;
    const targets = new Float32Array(samples * 3);
    for (let i = 0; i < samples; i++) {
      targets[i * 3 + (i % 3)] = 1;
    }
    const inputs = Float32Array.from(normalVector(createRandom(4), samples * 5));
    source = new LocalProductSource(
      createLossProblem(model, 'categorical_crossentropy', { inputs, inputShape: [samples, 5], targets, targetShape: [samples, 3] }, samples),
    );
  });

  after(async () => {
    await source.dispose();
    model.dispose();
  });

  const options = { requested: 'auto' as const, selfTestPassed: true, unverifiedLayerClasses: [], seed: 1 };

  it('accepts correct exact products', async () => {
    const decision = await chooseHvpMethod(new HessianProducts(source, 'exact'), options);
    assert.equal(decision.method, 'exact');
    assert.ok((decision.verificationError as number) < 1e-2, `error ${decision.verificationError}`);
    assert.ok(decision.probes.every((probe) => probe.verdict === 'agrees'));
    assert.match(decision.reason, /agree/);
  });

  it('falls back when exact products are wrong', async () => {
    const decision = await chooseHvpMethod(new HessianProducts(scaledExactProducts(source, 1.05), 'exact'), options);
    assert.equal(decision.method, 'finite-difference');
    assert.ok(decision.probes.every((probe) => probe.verdict === 'disagrees'));
    assert.match(decision.reason, /disagree/);
  });

  it('keeps wrong exact products only on request', async () => {
    const decision = await chooseHvpMethod(new HessianProducts(scaledExactProducts(source, 1.05), 'exact'), {
      ...options,
      requested: 'exact',
    });
    assert.equal(decision.method, 'exact');
    assert.match(decision.reason, /requested/);
  });

  it('distrusts exact products after a failed self-test', async () => {
    const decision = await chooseHvpMethod(new HessianProducts(source, 'exact'), { ...options, selfTestPassed: false });
    assert.equal(decision.method, 'finite-difference');
    assert.equal(decision.cost, 0);
    assert.match(decision.reason, /self-test/);
  });

  it('names the cause of inconclusive differences', async () => {
    // Noise on the gradients imitates float32 rounding: it spoils both
    // difference steps by different amounts, so no probe is conclusive.
    const noise = createRandom(6, 'gradient noise');
    const noisy = sourceWith(source, {
      gradient: async () => {
        const { loss, gradient } = await source.gradient();
        return { loss, gradient: gradient.map((value) => value + 1e-3 * noise.normal()) };
      },
    });
    const smooth = await chooseHvpMethod(new HessianProducts(noisy, 'exact'), { ...options, piecewiseLinear: false });
    const kinked = await chooseHvpMethod(new HessianProducts(noisy, 'exact'), options);

    assert.ok(smooth.probes.every((probe) => probe.verdict === 'inconclusive'), smooth.probes.map((probe) => probe.verdict).join(', '));
    assert.match(smooth.reason, /inconclusive on 16 samples \(float32 rounding of the differences\)/);
    assert.match(kinked.reason, /inconclusive on 16 samples \(kinks of ReLU or max pooling\)/);
  });

  it('skips the comparison for requested finite differences', async () => {
    const decision = await chooseHvpMethod(new HessianProducts(source, 'exact'), { ...options, requested: 'finite-difference' });
    assert.equal(decision.method, 'finite-difference');
    assert.equal(decision.probes.length, 0);
  });
});

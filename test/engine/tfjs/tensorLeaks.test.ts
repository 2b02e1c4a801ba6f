import * as assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs';

import { HessianProducts } from '../../../src/engine/hvp/hessianProducts';
import { LocalProductSource } from '../../../src/engine/hvp/localProductSource';
import { disposeProblem } from '../../../src/engine/hvp/lossProblem';
import { createRandom, normalVector } from '../../../src/engine/linalg/random';
import { TEST_BACKENDS, useBackend } from './backendSetup';
import { LAYER_CASES, buildProblem } from './layerCases';

/**
 * A Hessian-vector product that throws halfway through its backward pass
 * must free what the interrupted gradient left on the tape. The throw comes
 * from a Tanh gradient replaced for the test by one that fails on the outer
 * (second) backward pass.
 */
for (const backend of TEST_BACKENDS) {
  describe(`tensor leaks on ${backend}`, () => {
    before(async () => {
      await useBackend(backend);
    });

    it('throwing HVP frees its tensors', async () => {
      const layerCase = LAYER_CASES.find((candidate) => candidate.name === 'LSTM sigmoid');
      assert.ok(layerCase);
      const problem = buildProblem(layerCase, 3);
      const products = new HessianProducts(new LocalProductSource(problem), 'exact');
      const probe = normalVector(createRandom(3), products.size);

      const original = tf.getGradient('Tanh');
      assert.ok(original);
      try {
        await products.exact(probe);
        const tensorsBefore = tf.memory().numTensors;

        let calls = 0;
        tf.registerGradient({
          ...original,
          gradFunc: (dy, saved, attrs) => {
            // The first backward pass (the gradient) reaches Tanh once per time step; fail later.
            calls++;
            if (calls > 4) {
              throw new Error('Tanh gradient failed on purpose.');
            }
            return original.gradFunc(dy, saved, attrs);
          },
        });
        await assert.rejects(products.exact(probe), /failed on purpose/);
        assert.ok(calls > 4, 'the failure happened during the second backward pass');
        assert.equal(tf.memory().numTensors, tensorsBefore);
      } finally {
        tf.registerGradient(original);
        disposeProblem(problem);
        problem.model.dispose();
      }
    });

    it('replacement kernels free their scratch', async () => {
      // The replacement kernels allocate backend tensors that the engine does
      // not count, so this compares the backend's own count of stored data.
      for (const layerCase of LAYER_CASES) {
        const problem = buildProblem(layerCase, 3);
        const source = new LocalProductSource(problem);
        const probe = normalVector(createRandom(5), source.size);
        try {
          const blocks = problem.layout.blocks;
          const blockProbes = blocks.map((block) => normalVector(createRandom(6, block.layerName), block.size));
          await source.exactHvp(probe);
          for (const [index, blockProbe] of blockProbes.entries()) {
            await source.exactBlockHvp(index, blockProbe);
          }
          const dataBefore = tf.backend().numDataIds();
          await source.exactHvp(probe);
          for (const [index, blockProbe] of blockProbes.entries()) {
            await source.exactBlockHvp(index, blockProbe);
          }
          await source.gradient();
          await source.loss();
          assert.equal(tf.backend().numDataIds(), dataBefore, `${layerCase.name}: backend data leaked`);
        } finally {
          disposeProblem(problem);
          problem.model.dispose();
        }
      }
    });

    it('successful HVP frees its tensors', async () => {
      const layerCase = LAYER_CASES.find((candidate) => candidate.name === 'Conv2D same');
      assert.ok(layerCase);
      const problem = buildProblem(layerCase, 3);
      const products = new HessianProducts(new LocalProductSource(problem), 'exact');
      const probe = normalVector(createRandom(4), products.size);
      try {
        await products.exact(probe);
        const tensorsBefore = tf.memory().numTensors;
        await products.exact(probe);
        await products.gradient();
        assert.equal(tf.memory().numTensors, tensorsBefore);
      } finally {
        disposeProblem(problem);
        problem.model.dispose();
      }
    });
  });
}

import * as assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs';

import { SELF_TEST_TOLERANCE, runSelfTest } from '../../../src/engine/tfjs/selfTest';
import { TEST_BACKENDS, useBackend } from './backendSetup';

for (const backend of TEST_BACKENDS) {
  describe(`self-test on ${backend}`, () => {
    before(async () => {
      await useBackend(backend);
    });

    it('passes with the fixes', () => {
      const result = runSelfTest();
      assert.equal(result.passed, true, JSON.stringify(result.checks));
      assert.equal(result.failedCheck, null);
      assert.equal(result.backend, backend);
      // Float32 products of this size are correct to about 1e-6.
      assert.ok(result.worstRelativeError < 1e-5, `worst error ${result.worstRelativeError}`);
    });

    it('leaks no tensors', () => {
      const before = tf.memory().numTensors;
      runSelfTest();
      assert.equal(tf.memory().numTensors, before);
    });

    it('names the check a wrong gradient breaks', () => {
      const original = tf.getGradient('EluGrad');
      assert.ok(original, 'the fixes register a gradient for EluGrad');
      // Drop the second-order term through y: elu'' becomes 0.
      tf.registerGradient({
        ...original,
        gradFunc: (dy, saved, attrs) => {
          const gradients = original.gradFunc(dy, saved, attrs);
          return { ...gradients, y: () => tf.zerosLike(saved[1]) };
        },
      });
      try {
        const result = runSelfTest();
        assert.equal(result.passed, false);
        assert.equal(result.failedCheck, 'elu');
        assert.ok(result.worstRelativeError > SELF_TEST_TOLERANCE);
      } finally {
        tf.registerGradient(original);
      }
    });
  });
}

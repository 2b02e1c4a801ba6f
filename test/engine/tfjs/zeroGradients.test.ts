import * as assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs';

import { ZERO_GRADIENT_KERNELS } from '../../../src/engine/tfjs/zeroGradients';
import { TEST_BACKENDS, useBackend } from './backendSetup';

for (const backend of TEST_BACKENDS) {
  describe(`zero gradients on ${backend}`, () => {
    before(async () => {
      await useBackend(backend);
    });

    it('are registered for every listed kernel', () => {
      for (const kernelName of Object.keys(ZERO_GRADIENT_KERNELS)) {
        assert.ok(tf.getGradient(kernelName), kernelName);
      }
    });

    it('let a gradient pass through logical kernels', () => {
      const x = tf.tensor1d([-1.5, 0.5, 2.5, Number.NaN]);
      // mask = (x > 0 and x <= 2) or isNaN(x), used as a float factor: d/dx Σ mask·x = mask.
      const gradient = tf.grad((point: tf.Tensor) => {
        const inRange = tf.logicalAnd(tf.greater(point, 0), tf.lessEqual(point, 2));
        const mask = tf.cast(tf.logicalOr(inRange, tf.isNaN(point)), 'float32');
        return tf.sum(tf.mul(mask, tf.where(tf.isNaN(point), tf.zerosLike(point), point)));
      })(x);
      assert.deepEqual(Array.from(gradient.dataSync()), [0, 1, 0, 0]);
      assert.equal(gradient.dtype, 'float32');
      tf.dispose([x, gradient]);
    });

    it('give float32 zeros for integer inputs', () => {
      const x = tf.tensor1d([1, 2, 3]);
      const gradient = tf.grad((point: tf.Tensor) => {
        // equal(cast(point, int32), 2) has an int32 input connected to x.
        const isTwo = tf.cast(tf.equal(tf.cast(point, 'int32'), tf.scalar(2, 'int32')), 'float32');
        return tf.sum(tf.mul(isTwo, point));
      })(x);
      assert.deepEqual(Array.from(gradient.dataSync()), [0, 1, 0]);
      tf.dispose([x, gradient]);
    });
  });
}

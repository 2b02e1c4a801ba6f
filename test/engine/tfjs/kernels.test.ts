import * as assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs';

import { CPU_KERNELS } from '../../../src/engine/tfjs/cpuKernels';
import { getStockKernel } from '../../../src/engine/tfjs/kernelRegistration';
import { WASM_KERNELS } from '../../../src/engine/tfjs/wasmKernels';
import { createRandom, type Random } from '../../../src/engine/linalg/random';
import {
  TEST_BACKENDS,
  maxScaledDifference,
  runActiveKernel,
  runStockCpuKernel,
  useBackend,
  type HostTensor,
} from './backendSetup';

/**
 * Each replacement kernel against the stock tfjs-backend-cpu 4.22 kernel on
 * the same inputs, on every test backend. Float32 sums taken in another
 * order differ by rounding, hence the 1e-5 tolerance relative to the largest
 * output.
 */

const TOLERANCE = 1e-5;

function floats(random: Random, shape: number[], draw: () => number = () => random.normal()): HostTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return { values: Float32Array.from({ length: size }, draw), shape, dtype: 'float32' };
}

type Shape4D = [number, number, number, number];

function outputShape(kernelName: string, inputs: Record<string, HostTensor>, attrs: Record<string, unknown>): number[] {
  // The forward op gives the shape that dy must have.
  return tf.tidy(() => {
    const x = tf.zeros(inputs.x.shape as Shape4D) as tf.Tensor4D;
    const pad = attrs.pad as 'same';
    const strides = attrs.strides as number;
    if (kernelName === 'conv') {
      const filter = tf.zeros(attrs.filterShape as Shape4D) as tf.Tensor4D;
      return (tf.conv2d(x, filter, strides, pad, attrs.dataFormat as 'NHWC').shape as Shape4D).slice();
    }
    if (kernelName === 'depthwise') {
      const filter = tf.zeros(attrs.filterShape as Shape4D) as tf.Tensor4D;
      return (tf.depthwiseConv2d(x, filter, strides, pad, 'NHWC', attrs.dilations as number).shape as Shape4D).slice();
    }
    return (tf.maxPool(x, attrs.filterSize as number, strides, pad).shape as Shape4D).slice();
  });
}

const CONV_GEOMETRIES = [
  { name: 'stride 1 same', xShape: [2, 7, 6, 3], filterShape: [3, 2, 3, 4], strides: 1, pad: 'same', dataFormat: 'NHWC' },
  { name: 'stride 2 valid', xShape: [2, 7, 6, 3], filterShape: [3, 3, 3, 2], strides: 2, pad: 'valid', dataFormat: 'NHWC' },
  { name: 'strides [2, 1] same', xShape: [1, 6, 5, 2], filterShape: [2, 3, 2, 3], strides: [2, 1], pad: 'same', dataFormat: 'NHWC' },
  { name: 'explicit pad 1', xShape: [1, 5, 5, 2], filterShape: [3, 3, 2, 2], strides: 1, pad: 1, dataFormat: 'NHWC' },
];

const DEPTHWISE_GEOMETRIES = [
  { name: 'stride 1 same', xShape: [2, 6, 5, 3], filterShape: [3, 3, 3, 2], strides: 1, pad: 'same', dilations: 1 },
  { name: 'stride 2 valid', xShape: [2, 7, 6, 2], filterShape: [3, 2, 2, 1], strides: 2, pad: 'valid', dilations: 1 },
  { name: 'dilation 2', xShape: [1, 7, 7, 2], filterShape: [2, 2, 2, 3], strides: 1, pad: 'same', dilations: 2 },
];

const POOL_GEOMETRIES = [
  { name: '2×2 stride 2 valid', xShape: [2, 5, 6, 3], filterSize: 2, strides: 2, pad: 'valid' },
  { name: '3×3 stride 2 same', xShape: [2, 5, 6, 2], filterSize: 3, strides: 2, pad: 'same' },
  { name: '2×2 stride 1 same', xShape: [1, 4, 5, 2], filterSize: 2, strides: 1, pad: 'same' },
];

const REPLACED_KERNELS: Record<string, Set<string>> = {
  cpu: new Set(CPU_KERNELS.map((kernel) => kernel.kernelName)),
  wasm: new Set(WASM_KERNELS.map((kernel) => kernel.kernelName)),
};

for (const backend of TEST_BACKENDS) {
  const replaced = REPLACED_KERNELS[backend];

  describe(`replacement kernels on ${backend}`, () => {
    before(async () => {
      await useBackend(backend);
    });

    it('covers every kernel registered for the backend', () => {
      const tested = ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'MaxPoolGrad', 'MaxPoolWithArgmax', 'AvgPoolGrad', 'UnsortedSegmentSum'];
      for (const kernelName of replaced) {
        assert.ok(tested.includes(kernelName), `${kernelName} has no test`);
      }
    });

    for (const geometry of CONV_GEOMETRIES) {
      it(`Conv2DBackpropFilter ${geometry.name}`, () => {
        const random = createRandom(11, geometry.name);
        const attrs = { strides: geometry.strides, pad: geometry.pad, dataFormat: geometry.dataFormat, filterShape: geometry.filterShape };
        const x = floats(random, geometry.xShape);
        const dy = floats(random, outputShape('conv', { x }, attrs));

        const [actual] = runActiveKernel('Conv2DBackpropFilter', { x, dy }, attrs);
        const [expected] = runStockCpuKernel('Conv2DBackpropFilter', { x, dy }, attrs);
        assert.ok(maxScaledDifference(actual, expected) < TOLERANCE, `difference ${maxScaledDifference(actual, expected)}`);
      });
    }

    it('Conv2DBackpropFilter channels first', () => {
      const random = createRandom(12, 'NCHW');
      const attrs = { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] };
      const x = floats(random, [2, 2, 5, 4]);
      const dy = floats(random, [2, 3, 5, 4]);

      const [actual] = runActiveKernel('Conv2DBackpropFilter', { x, dy }, attrs);
      const [expected] = runStockCpuKernel('Conv2DBackpropFilter', { x, dy }, attrs);
      assert.ok(maxScaledDifference(actual, expected) < TOLERANCE, `difference ${maxScaledDifference(actual, expected)}`);
    });

    for (const geometry of replaced.has('DepthwiseConv2dNativeBackpropFilter') ? DEPTHWISE_GEOMETRIES : []) {
      const forwardAttrs = { strides: geometry.strides, pad: geometry.pad, dilations: geometry.dilations, dataFormat: 'NHWC' };

      // The stock cpu kernels of 4.22 ignore dilations, so with dilation the
      // reference is the adjoint identity with the forward convolution only.
      if (geometry.dilations === 1) {
        it(`DepthwiseConv2dNativeBackpropFilter ${geometry.name}`, () => {
          const random = createRandom(13, geometry.name);
          const attrs = { ...forwardAttrs, filterShape: geometry.filterShape };
          const x = floats(random, geometry.xShape);
          const dy = floats(random, outputShape('depthwise', { x }, attrs));

          const [actual] = runActiveKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, attrs);
          const [expected] = runStockCpuKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, attrs);
          assert.ok(maxScaledDifference(actual, expected) < TOLERANCE, `difference ${maxScaledDifference(actual, expected)}`);
        });

        it(`DepthwiseConv2dNativeBackpropInput ${geometry.name}`, () => {
          const random = createRandom(14, geometry.name);
          const attrs = { ...forwardAttrs, inputShape: geometry.xShape };
          const filter = floats(random, geometry.filterShape);
          const x = floats(random, geometry.xShape);
          const dy = floats(random, outputShape('depthwise', { x }, { ...attrs, filterShape: geometry.filterShape }));

          const [actual] = runActiveKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter }, attrs);
          const [expected] = runStockCpuKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter }, attrs);
          assert.ok(maxScaledDifference(actual, expected) < TOLERANCE, `difference ${maxScaledDifference(actual, expected)}`);
        });
      }

      it(`depthwise backprops ${geometry.name} are adjoints`, () => {
        const random = createRandom(15, geometry.name);
        const x = floats(random, geometry.xShape);
        const filter = floats(random, geometry.filterShape);
        const dy = floats(random, outputShape('depthwise', { x }, { ...forwardAttrs, filterShape: geometry.filterShape }));

        const [y] = runActiveKernel('DepthwiseConv2dNative', { x, filter }, forwardAttrs);
        const [dFilter] = runActiveKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...forwardAttrs, filterShape: geometry.filterShape });
        const [dx] = runActiveKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...forwardAttrs, inputShape: geometry.xShape });

        const reference = dot(dy.values, y);
        const scale = 1e-5 * Math.max(1, Math.abs(reference));
        assert.ok(Math.abs(dot(dFilter, filter.values) - reference) < scale, `⟨dW, W⟩ = ${dot(dFilter, filter.values)}, ⟨dy, y⟩ = ${reference}`);
        assert.ok(Math.abs(dot(dx, x.values) - reference) < scale, `⟨dx, x⟩ = ${dot(dx, x.values)}, ⟨dy, y⟩ = ${reference}`);
      });
    }

    for (const geometry of POOL_GEOMETRIES) {
      // Integer inputs in {−2, …, 2} make ties common, so tie-breaking is compared too.
      for (const [inputs, draw] of [
        ['normal', (random: Random) => () => random.normal()],
        ['tied', (random: Random) => () => random.integer(5) - 2],
      ] as const) {
        it(`MaxPoolGrad ${geometry.name}, ${inputs} inputs`, () => {
          const random = createRandom(16, geometry.name + inputs);
          const attrs = { filterSize: geometry.filterSize, strides: geometry.strides, pad: geometry.pad };
          const input = floats(random, geometry.xShape, draw(random));
          const output = floats(random, outputShape('pool', { x: input }, attrs));
          const dy = floats(random, output.shape);

          const [actual] = runActiveKernel('MaxPoolGrad', { dy, input, output }, attrs);
          const [expected] = runStockCpuKernel('MaxPoolGrad', { dy, input, output }, attrs);
          assert.ok(maxScaledDifference(actual, expected) < TOLERANCE, `difference ${maxScaledDifference(actual, expected)}`);
        });

        it(`MaxPoolWithArgmax ${geometry.name}, ${inputs} inputs`, () => {
          const random = createRandom(17, geometry.name + inputs);
          const x = floats(random, geometry.xShape, draw(random));
          for (const includeBatchInIndex of [false, true]) {
            const attrs = { filterSize: geometry.filterSize, strides: geometry.strides, pad: geometry.pad, includeBatchInIndex };
            const [values, indexes] = runActiveKernel('MaxPoolWithArgmax', { x }, attrs);
            const [expectedValues, expectedIndexes] = runStockCpuKernel('MaxPoolWithArgmax', { x }, attrs);
            assert.deepEqual(Array.from(values), Array.from(expectedValues));
            assert.deepEqual(Array.from(indexes), Array.from(expectedIndexes));
          }
        });
      }

      it(`AvgPoolGrad ${geometry.name} is the adjoint of AvgPool`, () => {
        const random = createRandom(18, geometry.name);
        const attrs = { filterSize: geometry.filterSize, strides: geometry.strides, pad: geometry.pad };
        const x = floats(random, geometry.xShape);
        const dy = floats(random, outputShape('pool', { x }, attrs));

        const [pooled] = runActiveKernel('AvgPool', { x }, attrs);
        const [dx] = runActiveKernel('AvgPoolGrad', { dy, input: x }, attrs);
        const left = dot(dx, x.values);
        const right = dot(dy.values, pooled);
        assert.ok(Math.abs(left - right) < 1e-5 * Math.max(1, Math.abs(right)), `⟨AvgPoolGrad(dy), x⟩ = ${left}, ⟨dy, AvgPool(x)⟩ = ${right}`);
      });
    }

    it('AvgPoolGrad valid matches the stock kernel', () => {
      const random = createRandom(19, 'avg');
      const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
      const x = floats(random, [2, 6, 4, 3]);
      const dy = floats(random, [2, 3, 2, 3]);
      const [actual] = runActiveKernel('AvgPoolGrad', { dy, input: x }, attrs);
      const [expected] = runStockCpuKernel('AvgPoolGrad', { dy, input: x }, attrs);
      assert.ok(maxScaledDifference(actual, expected) < TOLERANCE);
    });

    it('UnsortedSegmentSum matches the stock kernel', () => {
      const random = createRandom(20, 'segments');
      const x = floats(random, [9, 3, 2]);
      // Ids from −1 to 5 with 5 segments: −1 and 5 are dropped.
      const segmentIds: HostTensor = { values: Int32Array.from({ length: 9 }, () => random.integer(7) - 1), shape: [9], dtype: 'int32' };
      const attrs = { numSegments: 5 };
      const [actual] = runActiveKernel('UnsortedSegmentSum', { x, segmentIds }, attrs);
      const [expected] = runStockCpuKernel('UnsortedSegmentSum', { x, segmentIds }, attrs);
      assert.ok(maxScaledDifference(actual, expected) < TOLERANCE);
    });
  });
}

describe('stock kernels that were replaced', () => {
  it('cpu AvgPoolGrad wrong with same padding', async () => {
    await useBackend('cpu');
    const random = createRandom(21, 'stock avg');
    const attrs = { filterSize: 2, strides: 1, pad: 'same' };
    const x = floats(random, [1, 3, 3, 1]);
    const dy = floats(random, [1, 3, 3, 1]);
    const [pooled] = runActiveKernel('AvgPool', { x }, attrs);
    const [dx] = runStockCpuKernel('AvgPoolGrad', { dy, input: x }, attrs);
    assert.ok(Math.abs(dot(dx, x.values) - dot(dy.values, pooled)) > 0.1);
  });

  it('wasm MaxPoolGrad misroutes negative windows', async () => {
    await useBackend('wasm');
    const stock = getStockKernel('MaxPoolGrad', 'wasm');
    assert.ok(stock, 'the wasm backend has a stock MaxPoolGrad');

    const dx = tf.tidy(() => {
      const input = tf.tensor4d([-3, -1, -2, -4], [1, 2, 2, 1]);
      const output = tf.tensor4d([-1], [1, 1, 1, 1]);
      const dy = tf.tensor4d([1], [1, 1, 1, 1]);
      const info = stock.kernelFunc({ inputs: { dy, input, output }, attrs: { filterSize: 2, strides: 2, pad: 'valid' }, backend: tf.backend() });
      return Array.from(tf.engine().makeTensorFromTensorInfo(info as tf.TensorInfo).dataSync());
    });
    assert.deepEqual(dx, [1, 0, 0, 0], 'stock wasm kernel behaves as described');
    assert.deepEqual(Array.from(runActiveKernel('MaxPoolGrad', {
      dy: { values: Float32Array.of(1), shape: [1, 1, 1, 1], dtype: 'float32' },
      input: { values: Float32Array.of(-3, -1, -2, -4), shape: [1, 2, 2, 1], dtype: 'float32' },
      output: { values: Float32Array.of(-1), shape: [1, 1, 1, 1], dtype: 'float32' },
    }, { filterSize: 2, strides: 2, pad: 'valid' })[0]), [0, 1, 0, 0]);
  });
});

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    sum += a[i] * b[i];
  }
  return sum;
}

import * as assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs';

import { CPU_KERNELS } from '../../../src/engine/tfjs/cpuKernels';
import { filterGradientByColumns, inputGradientByColumns } from '../../../src/engine/tfjs/kernels/conv2dBackpropColumns';
import { columnGeometry } from '../../../src/engine/tfjs/kernels/convolutionColumns';
import { GATHER_AT_MAX_POOL_ARGMAX } from '../../../src/engine/tfjs/kernels/maxPool';
import { tensorStorage } from '../../../src/engine/tfjs/kernels/tensorStorage';
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

function ints(random: Random, shape: number[]): HostTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return { values: Int32Array.from({ length: size }, () => random.integer(9) - 4), shape, dtype: 'int32' };
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

// On wasm the backprops run as forward convolutions where that form applies
// and as im2col matrix products otherwise. The comments name the cases that
// take the matrix-product form.
const CONV_GEOMETRIES = [
  { name: 'stride 1 same', xShape: [2, 7, 6, 3], filterShape: [3, 2, 3, 4], strides: 1, pad: 'same', dataFormat: 'NHWC' },
  // Filter: the last input column is never read. Input: stride 2.
  { name: 'stride 2 valid', xShape: [2, 7, 6, 3], filterShape: [3, 3, 3, 2], strides: 2, pad: 'valid', dataFormat: 'NHWC' },
  // Input: stride 2.
  { name: 'stride 2 same', xShape: [3, 8, 8, 3], filterShape: [3, 3, 3, 4], strides: 2, pad: 'same', dataFormat: 'NHWC' },
  // Input: stride 2.
  { name: 'strides [2, 1] same', xShape: [1, 6, 5, 2], filterShape: [2, 3, 2, 3], strides: [2, 1], pad: 'same', dataFormat: 'NHWC' },
  { name: 'explicit pad 1', xShape: [1, 5, 5, 2], filterShape: [3, 3, 2, 2], strides: 1, pad: 1, dataFormat: 'NHWC' },
  // Input: a pad as large as the filter.
  { name: 'explicit pad 3', xShape: [2, 5, 4, 2], filterShape: [3, 3, 2, 2], strides: 1, pad: 3, dataFormat: 'NHWC' },
  { name: 'one input channel', xShape: [4, 9, 9, 1], filterShape: [5, 5, 1, 6], strides: 1, pad: 'valid', dataFormat: 'NHWC' },
];

const BINARY_CASES = [
  { name: 'same shape', aShape: [3, 4, 2], bShape: [3, 4, 2], dtype: 'float32' },
  { name: 'bias [c] on b', aShape: [2, 3, 4], bShape: [4], dtype: 'float32' },
  { name: 'bias [1, 1, c] on a', aShape: [1, 1, 4], bShape: [2, 3, 4], dtype: 'float32' },
  { name: 'per-row [n, 1] on b', aShape: [5, 3], bShape: [5, 1], dtype: 'float32' },
  { name: 'per-row [n, 1] on a', aShape: [5, 1], bShape: [5, 3], dtype: 'float32' },
  { name: 'scalar on a', aShape: [], bShape: [2, 3], dtype: 'float32' },
  { name: 'both broadcast', aShape: [4, 1], bShape: [1, 3], dtype: 'float32' },
  { name: 'middle broadcast', aShape: [2, 3, 4], bShape: [2, 1, 4], dtype: 'float32' },
  { name: 'int32', aShape: [2, 3], bShape: [3], dtype: 'int32' },
];

const SUM_CASES = [
  { name: 'leading axis', shape: [6, 5], axis: 0, keepDims: false },
  { name: 'leading axes keepDims', shape: [3, 4, 2, 3], axis: [0, 1, 2], keepDims: true },
  { name: 'leading axes unordered', shape: [3, 4, 2], axis: [1, 0], keepDims: false },
  { name: 'trailing axis', shape: [3, 4, 2], axis: -1, keepDims: false },
  { name: 'all axes', shape: [3, 4], axis: [0, 1], keepDims: false },
  { name: 'middle axis', shape: [3, 4, 2], axis: 1, keepDims: true },
];

const MATMUL_CASES = [
  { name: '2D', aShape: [3, 4], bShape: [4, 5] },
  { name: '3D batch 1', aShape: [1, 6, 2], bShape: [1, 2, 3] },
  { name: '3D batch 2', aShape: [2, 3, 4], bShape: [2, 4, 2] },
  { name: '3D broadcast batch', aShape: [3, 2, 4], bShape: [1, 4, 3] },
];

const DEPTHWISE_GEOMETRIES = [
  { name: 'stride 1 same', xShape: [2, 6, 5, 3], filterShape: [3, 3, 3, 2], strides: 1, pad: 'same', dilations: 1 },
  { name: 'stride 2 valid', xShape: [2, 7, 6, 2], filterShape: [3, 2, 2, 1], strides: 2, pad: 'valid', dilations: 1 },
  { name: 'stride 1 same, multiplier 1', xShape: [3, 6, 7, 5], filterShape: [3, 3, 5, 1], strides: 1, pad: 'same', dilations: 1 },
  { name: 'stride 2 same 5×5', xShape: [2, 9, 8, 4], filterShape: [5, 5, 4, 1], strides: 2, pad: 'same', dilations: 1 },
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
      const tested = [
        'Add',
        'Sub',
        'Multiply',
        'Sum',
        'Relu',
        'Step',
        'Identity',
        'Cast',
        'Conv2D',
        'FusedConv2D',
        '_FusedMatMul',
        'BatchMatMul',
        'Conv2DBackpropFilter',
        'Conv2DBackpropInput',
        'DepthwiseConv2dNativeBackpropFilter',
        'DepthwiseConv2dNativeBackpropInput',
        'MaxPoolGrad',
        'MaxPoolWithArgmax',
        GATHER_AT_MAX_POOL_ARGMAX,
        'AvgPoolGrad',
        'UnsortedSegmentSum',
      ];
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

    for (const geometry of CONV_GEOMETRIES) {
      it(`Conv2DBackpropInput ${geometry.name}`, () => {
        const random = createRandom(22, geometry.name);
        const attrs = { strides: geometry.strides, pad: geometry.pad, dataFormat: geometry.dataFormat, inputShape: geometry.xShape };
        const filter = floats(random, geometry.filterShape);
        const dy = floats(random, outputShape('conv', { x: floats(random, geometry.xShape) }, { ...attrs, filterShape: geometry.filterShape }));

        const [actual] = runActiveKernel('Conv2DBackpropInput', { dy, filter }, attrs);
        const [expected] = runStockCpuKernel('Conv2DBackpropInput', { dy, filter }, attrs);
        assert.ok(maxScaledDifference(actual, expected) < TOLERANCE, `difference ${maxScaledDifference(actual, expected)}`);
      });
    }

    for (const [name, dataFormat] of [
      ['channels last', 'NHWC'],
      ['channels first', 'NCHW'],
    ] as const) {
      it(`convolution backprops in chunks, ${name}`, () => {
        const random = createRandom(23, name);
        const xShape = dataFormat === 'NHWC' ? [5, 6, 5, 2] : [5, 2, 6, 5];
        const filterShape = [3, 2, 2, 3];
        const attrs = { strides: 1, pad: 'same', dataFormat };
        const info = tf.backend_util.computeConv2DInfo(xShape as Shape4D, filterShape as Shape4D, 1, 1, 'same', undefined, false, tf.backend_util.convertConv2DDataFormat(dataFormat));
        const x = floats(random, xShape);
        const filter = floats(random, filterShape);
        const dy = floats(random, info.outShape);
        const lastInfo = tf.backend_util.computeConv2DInfo([5, 6, 5, 2], filterShape as Shape4D, 1, 1, 'same');
        // Room for the columns of two images: chunks of 2, 2 and 1 images.
        const budget = 2 * columnGeometry(info).positions * columnGeometry(info).patchSize;

        const [dFilter, dx] = tf.tidy(() => {
          const storage = tensorStorage(tf.backend());
          const [xTensor, filterTensor, dyTensor] = [x, filter, dy].map((input) => tf.tensor(input.values, input.shape, input.dtype));
          const filterInfo = filterGradientByColumns(storage, xTensor, dyTensor, columnGeometry(info), dataFormat === 'NHWC', filterShape, budget);
          const inputInfo = inputGradientByColumns(storage, dyTensor, filterTensor, columnGeometry(lastInfo), dataFormat === 'NHWC', budget);
          return [filterInfo, inputInfo].map((output) => tf.engine().makeTensorFromTensorInfo(output).dataSync().slice());
        });
        const [expectedFilter] = runStockCpuKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape });
        const [expectedDx] = runStockCpuKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: xShape });
        assert.ok(maxScaledDifference(dFilter, expectedFilter) < TOLERANCE, `dW difference ${maxScaledDifference(dFilter, expectedFilter)}`);
        assert.ok(maxScaledDifference(dx, expectedDx) < TOLERANCE, `dx difference ${maxScaledDifference(dx, expectedDx)}`);
      });
    }

    it('Conv2DBackpropInput channels first', () => {
      const random = createRandom(24, 'NCHW');
      const attrs = { strides: 1, pad: 'same', dataFormat: 'NCHW', inputShape: [2, 2, 5, 4] };
      const filter = floats(random, [3, 3, 2, 3]);
      const dy = floats(random, [2, 3, 5, 4]);

      const [actual] = runActiveKernel('Conv2DBackpropInput', { dy, filter }, attrs);
      const [expected] = runStockCpuKernel('Conv2DBackpropInput', { dy, filter }, attrs);
      assert.ok(maxScaledDifference(actual, expected) < TOLERANCE, `difference ${maxScaledDifference(actual, expected)}`);
    });

    for (const matmul of MATMUL_CASES) {
      for (const [transposeA, transposeB] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ]) {
        it(`BatchMatMul ${matmul.name}, transposeA ${transposeA}, transposeB ${transposeB}`, () => {
          const random = createRandom(25, `${matmul.name} ${transposeA} ${transposeB}`);
          const swap = (shape: number[], transpose: boolean): number[] =>
            transpose ? [...shape.slice(0, -2), shape[shape.length - 1], shape[shape.length - 2]] : shape;
          const a = floats(random, swap(matmul.aShape, transposeA));
          const b = floats(random, swap(matmul.bShape, transposeB));
          const attrs = { transposeA, transposeB };

          const [actual] = runActiveKernel('BatchMatMul', { a, b }, attrs);
          const [expected] = runStockCpuKernel('BatchMatMul', { a, b }, attrs);
          assert.equal(actual.length, expected.length);
          assert.ok(maxScaledDifference(actual, expected) < TOLERANCE, `difference ${maxScaledDifference(actual, expected)}`);
        });
      }
    }

    for (const binary of BINARY_CASES) {
      for (const kernelName of ['Add', 'Sub', 'Multiply']) {
        it(`${kernelName} ${binary.name}`, () => {
          const random = createRandom(28, `${kernelName} ${binary.name}`);
          const a = binary.dtype === 'int32' ? ints(random, binary.aShape) : floats(random, binary.aShape);
          const b = binary.dtype === 'int32' ? ints(random, binary.bShape) : floats(random, binary.bShape);

          const [actual] = runActiveKernel(kernelName, { a, b }, {});
          const [expected] = runStockCpuKernel(kernelName, { a, b }, {});
          assert.deepEqual(Array.from(actual), Array.from(expected));
        });
      }
    }

    for (const reduction of SUM_CASES) {
      it(`Sum ${reduction.name}`, () => {
        const random = createRandom(29, reduction.name);
        const x = floats(random, reduction.shape);
        const attrs = { axis: reduction.axis, keepDims: reduction.keepDims };

        const [actual] = runActiveKernel('Sum', { x }, attrs);
        const [expected] = runStockCpuKernel('Sum', { x }, attrs);
        assert.equal(actual.length, expected.length);
        assert.ok(maxScaledDifference(actual, expected) < TOLERANCE, `difference ${maxScaledDifference(actual, expected)}`);
      });
    }

    it('Sum keepDims shape', () => {
      const shape = tf.tidy(() => tf.sum(tf.ones([3, 4, 2]), [0, 1], true).shape);
      assert.deepEqual(shape, [1, 1, 2]);
    });

    for (const [kernelName, attrs] of [
      ['Relu', {}],
      ['Step', { alpha: 0.25 }],
    ] as const) {
      it(`${kernelName} with NaN, zeros and negatives`, () => {
        const x: HostTensor = { values: Float32Array.of(-2, -0, 0, 0.5, Number.NaN, 3, -Infinity, Infinity), shape: [2, 4], dtype: 'float32' };
        const [actual] = runActiveKernel(kernelName, { x }, attrs);
        const [expected] = runStockCpuKernel(kernelName, { x }, attrs);
        assert.deepEqual(Array.from(actual), Array.from(expected));
      });
    }

    for (const dtype of ['float32', 'int32'] as const) {
      it(`Identity and Cast keep ${dtype} values`, () => {
        const random = createRandom(30, dtype);
        const x = dtype === 'int32' ? ints(random, [3, 5]) : floats(random, [3, 5]);
        const [identity] = runActiveKernel('Identity', { x }, {});
        const [same] = runActiveKernel('Cast', { x }, { dtype });
        const [converted] = runActiveKernel('Cast', { x }, { dtype: dtype === 'int32' ? 'float32' : 'int32' });
        const [expectedConverted] = runStockCpuKernel('Cast', { x }, { dtype: dtype === 'int32' ? 'float32' : 'int32' });
        assert.deepEqual(Array.from(identity), Array.from(x.values));
        assert.deepEqual(Array.from(same), Array.from(x.values));
        assert.deepEqual(Array.from(converted), Array.from(expectedConverted));
      });
    }

    it('Identity output outlives its input', () => {
      const values = tf.tidy(() => {
        const x = tf.tensor([1, 2, 3]);
        const copy = tf.clone(x);
        const cast = tf.cast(x, 'float32');
        x.dispose();
        return [Array.from(copy.dataSync()), Array.from(cast.dataSync())];
      });
      assert.deepEqual(values, [
        [1, 2, 3],
        [1, 2, 3],
      ]);
    });

    for (const geometry of [
      ...CONV_GEOMETRIES,
      { name: 'dilation 2 same', xShape: [2, 7, 7, 2], filterShape: [3, 3, 2, 3], strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 2 },
    ]) {
      it(`Conv2D ${geometry.name}`, () => {
        const random = createRandom(31, geometry.name);
        const attrs = { strides: geometry.strides, pad: geometry.pad, dataFormat: geometry.dataFormat, dilations: 'dilations' in geometry ? geometry.dilations : 1 };
        const x = floats(random, geometry.xShape);
        const filter = floats(random, geometry.filterShape);

        const [actual] = runActiveKernel('Conv2D', { x, filter }, attrs);
        const [expected] = runStockCpuKernel('Conv2D', { x, filter }, attrs);
        assert.ok(maxScaledDifference(actual, expected) < TOLERANCE, `difference ${maxScaledDifference(actual, expected)}`);
      });
    }

    for (const activation of ['linear', 'relu', 'elu', 'leakyrelu', 'prelu']) {
      it(`FusedConv2D and _FusedMatMul with bias, ${activation}`, () => {
        const random = createRandom(32, activation);
        const convAttrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, activation, leakyreluAlpha: 0.1 };
        const convInputs = {
          x: floats(random, [2, 5, 4, 3]),
          filter: floats(random, [3, 3, 3, 4]),
          bias: floats(random, [4]),
          ...(activation === 'prelu' ? { preluActivationWeights: floats(random, [4]) } : {}),
        };
        // tfjs-core's fused matMul passes rank-3 operands to the kernel.
        const matMulAttrs = { transposeA: false, transposeB: true, activation, leakyreluAlpha: 0.1 };
        const matMulInputs = {
          a: floats(random, [1, 6, 5]),
          b: floats(random, [1, 3, 5]),
          bias: floats(random, [3]),
          ...(activation === 'prelu' ? { preluActivationWeights: floats(random, [3]) } : {}),
        };
        const batchAttrs = { transposeA: true, transposeB: false, activation, leakyreluAlpha: 0.1 };
        const batchInputs = { ...matMulInputs, a: floats(random, [2, 5, 6]), b: floats(random, [2, 5, 3]) };

        for (const [kernelName, inputs, attrs] of [
          ['FusedConv2D', convInputs, convAttrs],
          ['_FusedMatMul', matMulInputs, matMulAttrs],
          ['_FusedMatMul', batchInputs, batchAttrs],
        ] as const) {
          const [actual] = runActiveKernel(kernelName, inputs, attrs);
          const [expected] = runStockCpuKernel(kernelName, inputs, attrs);
          assert.ok(maxScaledDifference(actual, expected) < TOLERANCE, `${kernelName}: difference ${maxScaledDifference(actual, expected)}`);
        }
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

      for (const [inputs, draw] of [
        ['normal', (random: Random) => () => random.normal()],
        ['tied', (random: Random) => () => random.integer(5) - 2],
      ] as const) {
        it(`${GATHER_AT_MAX_POOL_ARGMAX} ${geometry.name}, ${inputs} inputs`, () => {
          const random = createRandom(26, geometry.name + inputs);
          const attrs = { filterSize: geometry.filterSize, strides: geometry.strides, pad: geometry.pad };
          const x = floats(random, geometry.xShape, draw(random));
          const values = floats(random, geometry.xShape);

          const [actual] = runActiveKernel(GATHER_AT_MAX_POOL_ARGMAX, { x, values }, attrs);
          const [, indexes] = runStockCpuKernel('MaxPoolWithArgmax', { x }, { ...attrs, includeBatchInIndex: true });
          assert.deepEqual(Array.from(actual), Array.from(indexes, (index) => values.values[index]));
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

    it('max-pooling argmax of one tensor under two geometries', () => {
      // The argmax is cached per tensor and geometry; a second geometry on the same tensor must not reuse the first.
      const random = createRandom(27, 'cache');
      const x = floats(random, [2, 6, 6, 2]);
      const geometries = [
        { filterSize: 2, strides: 2, pad: 'valid' },
        { filterSize: 3, strides: 1, pad: 'same' },
      ];
      const actual = tf.tidy(() => {
        const input = tf.tensor(x.values, x.shape);
        return geometries.map((attrs) => {
          const [, indexes] = tf.engine().runKernel('MaxPoolWithArgmax', { x: input }, { ...attrs, includeBatchInIndex: true }) as tf.Tensor[];
          return Array.from(indexes.dataSync());
        });
      });
      geometries.forEach((attrs, i) => {
        const [, expected] = runStockCpuKernel('MaxPoolWithArgmax', { x }, { ...attrs, includeBatchInIndex: true });
        assert.deepEqual(actual[i], Array.from(expected), `geometry ${JSON.stringify(attrs)}`);
      });
    });

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

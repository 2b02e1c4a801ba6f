import * as tf from '@tensorflow/tfjs';

import { addBiasAndActivate } from './fusedKernels';
import { requireInput, type KernelArguments } from './kernelIo';
import { multiplyMatrices } from './matrixProduct';
import { tensorStorage, withScratch, type TensorStorage } from './tensorStorage';

/**
 * BatchMatMul for the wasm backend that keeps transposed products on the fast
 * path. The stock kernel of tfjs-backend-wasm 4.22 hands a product to
 * XNNPACK only when neither operand is transposed and both have a batch of
 * one. With transposeA or transposeB it runs a scalar C++ loop, 10–20 times
 * slower. The backward pass of every Dense layer needs Aᵀ·B and A·Bᵀ.
 * Here a transposed operand is transposed explicitly (the wasm Transpose
 * kernel, one pass over the operand) and the stock kernel runs A·B.
 *
 * Inputs `a` and `b` (rank ≥ 2, float32) and attributes transposeA and
 * transposeB come as tfjs-core's matMul op passes them. Returns the product
 * with the broadcast batch shape.
 */
export function batchMatMulWithoutTransposes({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const a = requireInput(inputs, 'a', 'BatchMatMul');
  const b = requireInput(inputs, 'b', 'BatchMatMul');
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  const storage = tensorStorage(backend);
  const plain = { transposeA: false, transposeB: false };

  if (!transposeA && !transposeB) {
    return storage.runStockKernel('BatchMatMul', { a, b }, plain);
  }
  return withScratch(storage, (scratch) => {
    const left = transposeA ? transposeInnerDimensions(storage, a, scratch) : a;
    const right = transposeB ? transposeInnerDimensions(storage, b, scratch) : b;
    return storage.runStockKernel('BatchMatMul', { a: left, b: right }, plain);
  });
}

/**
 * _FusedMatMul for the wasm backend. With a batch of one, transposed
 * operands are transposed explicitly, as in batchMatMulWithoutTransposes,
 * and the stock kernel runs A·B with the bias and activation on XNNPACK.
 * Otherwise the stock kernel would take its scalar loop. In
 * tfjs-backend-wasm 4.22 that loop adds the bias by the flat output index
 * instead of the column, which gave errors of order 1 on a [6, 5]·[3, 5]ᵀ
 * product with a bias. So here the product, the bias and the activation run
 * as separate kernels. Inputs a and b (rank 3, as tfjs-core's fused matMul
 * passes them), bias and preluActivationWeights; attributes transposeA,
 * transposeB, activation and leakyreluAlpha.
 */
export function fusedMatMulWithoutTransposes({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const a = requireInput(inputs, 'a', '_FusedMatMul');
  const b = requireInput(inputs, 'b', '_FusedMatMul');
  const { bias, preluActivationWeights } = inputs;
  const { transposeA, transposeB, activation, leakyreluAlpha } = attrs as unknown as tf._FusedMatMulAttrs;
  const storage = tensorStorage(backend);
  const batchOfOne = tf.util.sizeFromShape(a.shape.slice(0, -2)) === 1 && tf.util.sizeFromShape(b.shape.slice(0, -2)) === 1;

  if (!batchOfOne) {
    const product = storage.runKernel('BatchMatMul', { a, b }, { transposeA, transposeB });
    return addBiasAndActivate(storage, product, bias, activation, preluActivationWeights, leakyreluAlpha);
  }
  return withScratch(storage, (scratch) => {
    const left = transposeA ? transposeInnerDimensions(storage, a, scratch) : a;
    const right = transposeB ? transposeInnerDimensions(storage, b, scratch) : b;
    return storage.runStockKernel('_FusedMatMul', { ...inputs, a: left, b: right }, { ...attrs, transposeA: false, transposeB: false });
  });
}

/** Swaps the last two dimensions of `matrix` into a new tensor, which it adds to `scratch`. */
function transposeInnerDimensions(storage: TensorStorage, matrix: tf.TensorInfo, scratch: tf.TensorInfo[]): tf.TensorInfo {
  const rank = matrix.shape.length;
  const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
  const transposed = storage.runKernel('Transpose', { x: matrix }, { perm });
  scratch.push(transposed);
  return transposed;
}

/**
 * BatchMatMul for the cpu backend on the register-blocked product of
 * matrixProduct.ts, about 8 times faster than the stock kernel of
 * tfjs-backend-cpu 4.22 on the Dense layers of the benchmarks. Transposed
 * operands are read through strides. Batch dimensions broadcast as in NumPy.
 * Inputs and attributes as for the wasm kernel above; other dtypes than
 * float32 go to the stock kernel.
 */
export function batchMatMulCpu({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const a = requireInput(inputs, 'a', 'BatchMatMul');
  const b = requireInput(inputs, 'b', 'BatchMatMul');
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  const storage = tensorStorage(backend);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    return storage.runStockKernel('BatchMatMul', { a, b }, { transposeA, transposeB });
  }

  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const rows = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const inner = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const innerB = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  const columns = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  if (inner !== innerB) {
    throw new Error(
      `BatchMatMul: inner dimensions ${inner} and ${innerB} of shapes [${a.shape.join(', ')}] and ` +
        `[${b.shape.join(', ')}] (transposeA ${transposeA}, transposeB ${transposeB}) must match.`,
    );
  }
  const batchShape = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const aOffsets = broadcastOffsets(a.shape.slice(0, -2), batchShape, rows * inner);
  const bOffsets = broadcastOffsets(b.shape.slice(0, -2), batchShape, inner * columns);

  const output = storage.allocate([...batchShape, rows, columns]);
  const outValues = storage.float32(output);
  const aValues = storage.float32(a);
  const bValues = storage.float32(b);
  for (let batch = 0; batch < aOffsets.length; batch++) {
    multiplyMatrices(
      transposeA
        ? { values: aValues, offset: aOffsets[batch], rowStride: 1, columnStride: rows }
        : { values: aValues, offset: aOffsets[batch], rowStride: inner, columnStride: 1 },
      transposeB
        ? { values: bValues, offset: bOffsets[batch], rowStride: 1, columnStride: inner }
        : { values: bValues, offset: bOffsets[batch], rowStride: columns, columnStride: 1 },
      rows,
      columns,
      inner,
      outValues,
      batch * rows * columns,
    );
  }
  return output;
}

/**
 * For each index of the broadcast batch shape, in row-major order, the
 * element offset of the matching matrix of an operand whose batch shape is
 * `shape` (right-aligned, size-1 dimensions repeated) and whose matrices
 * have `matrixSize` elements.
 */
function broadcastOffsets(shape: number[], batchShape: number[], matrixSize: number): Int32Array {
  const count = tf.util.sizeFromShape(batchShape);
  const offsets = new Int32Array(count);
  const rankGap = batchShape.length - shape.length;
  // Strides of the operand in matrices, 0 along broadcast dimensions, aligned with batchShape.
  const strides = new Array<number>(batchShape.length).fill(0);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d + rankGap] = shape[d] === 1 ? 0 : stride;
    stride *= shape[d];
  }
  const index = new Array<number>(batchShape.length).fill(0);
  for (let batch = 0; batch < count; batch++) {
    let offset = 0;
    for (let d = 0; d < batchShape.length; d++) {
      offset += index[d] * strides[d];
    }
    offsets[batch] = offset * matrixSize;
    for (let d = batchShape.length - 1; d >= 0; d--) {
      if (++index[d] < batchShape[d]) {
        break;
      }
      index[d] = 0;
    }
  }
  return offsets;
}

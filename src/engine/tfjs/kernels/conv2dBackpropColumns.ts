import * as tf from '@tensorflow/tfjs';

import { addColumnsToImages, writeTransposedColumns, type ColumnGeometry } from './convolutionColumns';
import { shape4D } from './kernelIo';
import { withScratch, type TensorStorage } from './tensorStorage';

/**
 * Conv2DBackpropFilter and Conv2DBackpropInput as matrix products on the
 * backend's own BatchMatMul (XNNPACK on wasm), with the im2col and col2im
 * steps of convolutionColumns.ts in JavaScript:
 *
 *   dW = Xᵀ · dy              ([fh·fw·ci, P] · [P, co], P = batch·outHeight·outWidth)
 *   dx = col2im(dy · W_matᵀ)  ([P, co] · [co, fh·fw·ci])
 *
 * Xᵀ is written directly in its transposed layout and W_matᵀ is transposed
 * explicitly, so both products are plain A·B, the only form that the wasm
 * backend of tfjs 4.22 hands to XNNPACK.
 *
 * The images are processed in chunks whose column matrix has at most
 * COLUMN_BUDGET elements. That bounds the scratch memory and the length of
 * each float32 sum inside the product. The filter gradient sums the chunks
 * in float64.
 */

/** Default for the elements of the largest column matrix built at once (16 MiB of float32). */
export const COLUMN_BUDGET = 1 << 22;

/** Images per chunk for column matrices of `positions·patchSize` elements per image. */
function imagesPerChunk(geometry: ColumnGeometry, budget: number): number {
  return Math.max(1, Math.floor(budget / (geometry.positions * geometry.patchSize)));
}

/** Runs a plain A·B on the backend: a [m, k], b [k, n] → [m, n]. */
function matMul(storage: TensorStorage, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  return storage.runKernel('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
}

/** dy as channels-last rows [batch·outHeight·outWidth, outChannels]: a reshape for NHWC, a transpose for NCHW. */
function dyRows(storage: TensorStorage, dy: tf.TensorInfo, channelsLast: boolean, scratch: tf.TensorInfo[]): tf.TensorInfo {
  const [batch, second, third, fourth] = shape4D(dy.shape, 'dy');
  if (channelsLast) {
    return { dataId: dy.dataId, shape: [batch * second * third, fourth], dtype: dy.dtype };
  }
  const transposed = storage.runKernel('Transpose', { x: dy }, { perm: [0, 2, 3, 1] });
  scratch.push(transposed);
  return { dataId: transposed.dataId, shape: [batch * third * fourth, second], dtype: dy.dtype };
}

/** Copies rows [first, first + count) of a row-major [rows, width] matrix into a new tensor. */
function copyRows(storage: TensorStorage, matrix: tf.TensorInfo, first: number, count: number): tf.TensorInfo {
  const width = matrix.shape[1];
  const copy = storage.allocate([count, width]);
  storage.float32(copy).set(storage.float32(matrix).subarray(first * width, (first + count) * width));
  return copy;
}

/**
 * dW = Xᵀ · dy over all images, in chunks, for `x` and `dy` NHWC, or NCHW
 * when `channelsLast` is false; the result has shape `filterShape`.
 */
export function filterGradientByColumns(
  storage: TensorStorage,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  geometry: ColumnGeometry,
  channelsLast: boolean,
  filterShape: number[],
  budget = COLUMN_BUDGET,
): tf.TensorInfo {
  const { batchSize, positions, patchSize } = geometry;
  const chunk = imagesPerChunk(geometry, budget);

  return withScratch(storage, (scratch) => {
    const rows = dyRows(storage, dy, channelsLast, scratch);
    const outChannels = rows.shape[1];

    if (chunk >= batchSize) {
      // The wasm BatchMatMul caches XNNPACK's packed copy of b by tensor id
      // alone, not by shape, so b must not be a reshape of a tensor that
      // another product may have used with another shape.
      const right = storage.backendName === 'wasm' ? copyRows(storage, rows, 0, rows.shape[0]) : rows;
      if (right !== rows) {
        scratch.push(right);
      }
      const columns = storage.allocate([patchSize, batchSize * positions]);
      scratch.push(columns);
      writeTransposedColumns(storage.float32(x), geometry, 0, batchSize, storage.float32(columns));
      const product = matMul(storage, columns, right);
      return { ...product, shape: filterShape };
    }

    const sums = new Float64Array(patchSize * outChannels);
    for (let batchStart = 0; batchStart < batchSize; batchStart += chunk) {
      const count = Math.min(chunk, batchSize - batchStart);
      const columns = storage.allocate([patchSize, count * positions]);
      scratch.push(columns);
      const rowChunk = copyRows(storage, rows, batchStart * positions, count * positions);
      scratch.push(rowChunk);
      writeTransposedColumns(storage.float32(x), geometry, batchStart, count, storage.float32(columns));
      const product = matMul(storage, columns, rowChunk);
      const values = storage.float32(product);
      for (let i = 0; i < sums.length; i++) {
        sums[i] += values[i];
      }
      storage.dispose(product);
      // Free this chunk's scratch now rather than at the end.
      storage.dispose(scratch.pop()!);
      storage.dispose(scratch.pop()!);
    }
    const output = storage.allocate(filterShape);
    storage.float32(output).set(sums);
    return output;
  });
}

/**
 * dx = col2im(dy · W_matᵀ) for `dy` (NHWC, or NCHW when `channelsLast` is
 * false) and `filter` [filterHeight, filterWidth, inChannels, outChannels];
 * `geometry` describes dx channels last. Returns dx in dy's data format.
 */
export function inputGradientByColumns(
  storage: TensorStorage,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  geometry: ColumnGeometry,
  channelsLast: boolean,
  budget = COLUMN_BUDGET,
): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, patchSize } = geometry;

  return withScratch(storage, (scratch) => {
    const rows = dyRows(storage, dy, channelsLast, scratch);
    const filterMatrix = { dataId: filter.dataId, shape: [patchSize, filter.shape[3]], dtype: filter.dtype };
    const filterTransposed = storage.runKernel('Transpose', { x: filterMatrix }, { perm: [1, 0] });
    scratch.push(filterTransposed);

    const dx = storage.allocate([batchSize, inHeight, inWidth, inChannels]);
    scratch.push(dx);
    addProductColumns(storage, rows, filterTransposed, geometry, dx, budget);
    if (channelsLast) {
      // Keep dx: it is the result.
      scratch.pop();
      return dx;
    }
    return storage.runKernel('Transpose', { x: dx }, { perm: [0, 3, 1, 2] });
  });
}

/** dx = col2im(dy · W_matᵀ), chunk by chunk; writes every element of `dx` (channels last). */
function addProductColumns(
  storage: TensorStorage,
  rows: tf.TensorInfo,
  filterTransposed: tf.TensorInfo,
  geometry: ColumnGeometry,
  dx: tf.TensorInfo,
  budget: number,
): void {
  const { batchSize, positions } = geometry;
  const imageSize = geometry.inHeight * geometry.inWidth * geometry.inChannels;
  const chunk = imagesPerChunk(geometry, budget);

  for (let batchStart = 0; batchStart < batchSize; batchStart += chunk) {
    const count = Math.min(chunk, batchSize - batchStart);
    const rowChunk = chunk >= batchSize ? rows : copyRows(storage, rows, batchStart * positions, count * positions);
    let columns: tf.TensorInfo | null = null;
    try {
      columns = matMul(storage, rowChunk, filterTransposed);
      const target = storage.float32(dx);
      target.fill(0, batchStart * imageSize, (batchStart + count) * imageSize);
      addColumnsToImages(storage.float32(columns), geometry, batchStart, count, target);
    } finally {
      if (columns !== null) {
        storage.dispose(columns);
      }
      if (rowChunk !== rows) {
        storage.dispose(rowChunk);
      }
    }
  }
}

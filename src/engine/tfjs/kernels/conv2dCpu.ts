import * as tf from '@tensorflow/tfjs';

import { columnGeometry, writeColumns } from './convolutionColumns';
import { COLUMN_BUDGET } from './conv2dBackpropColumns';
import { requireInput, shape4D, type KernelArguments } from './kernelIo';
import { multiplyMatrices } from './matrixProduct';
import { tensorStorage } from './tensorStorage';

/**
 * Conv2D for the cpu backend as im2col and one matrix product per chunk of
 * images, y = X · W_mat (see convolutionColumns.ts), on the register-blocked
 * product of matrixProduct.ts. The stock kernel of tfjs-backend-cpu 4.22
 * runs a direct loop at about 0.5 GFLOP/s.
 *
 * Inputs `x` [batch, inHeight, inWidth, inChannels] and `filter`
 * [filterHeight, filterWidth, inChannels, outChannels]; attributes strides,
 * pad, dataFormat, dilations and dimRoundingMode. Channels-first input and
 * dtypes other than float32 go to the stock kernel.
 */
export function conv2dCpu({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const x = requireInput(inputs, 'x', 'Conv2D');
  const filter = requireInput(inputs, 'filter', 'Conv2D');
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
  const storage = tensorStorage(backend);
  const channelsLast = tf.backend_util.convertConv2DDataFormat(dataFormat) === 'channelsLast';
  if (!channelsLast || x.dtype !== 'float32' || filter.dtype !== 'float32') {
    return storage.runStockKernel('Conv2D', { x, filter }, attrs ?? {});
  }

  const info = tf.backend_util.computeConv2DInfo(
    shape4D(x.shape, 'Conv2D input x'),
    shape4D(filter.shape, 'Conv2D filter'),
    strides,
    dilations,
    pad,
    dimRoundingMode,
  );
  const geometry = columnGeometry(info);
  const { batchSize, positions, patchSize } = geometry;
  const outChannels = info.outChannels;
  const imagesPerChunk = Math.max(1, Math.floor(COLUMN_BUDGET / (positions * patchSize)));

  const output = storage.allocate(info.outShape);
  const outValues = storage.float32(output);
  const xValues = storage.float32(x);
  const filterMatrix = { values: storage.float32(filter), offset: 0, rowStride: outChannels, columnStride: 1 };
  const columns = new Float32Array(Math.min(imagesPerChunk, batchSize) * positions * patchSize);
  for (let batchStart = 0; batchStart < batchSize; batchStart += imagesPerChunk) {
    const count = Math.min(imagesPerChunk, batchSize - batchStart);
    writeColumns(xValues, geometry, batchStart, count, columns);
    multiplyMatrices(
      { values: columns, offset: 0, rowStride: patchSize, columnStride: 1 },
      filterMatrix,
      count * positions,
      outChannels,
      patchSize,
      outValues,
      batchStart * positions * outChannels,
    );
  }
  return output;
}

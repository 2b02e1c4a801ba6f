import * as tf from '@tensorflow/tfjs';

import { readFloat32, requireInput, shape4D, toFloat32, writeOutput, type KernelArguments } from './kernelIo';

/**
 * Max-pooling kernels built on one argmax routine, so that the backward
 * kernel (MaxPoolGrad) and the argmax kernel (MaxPoolWithArgmax, which the
 * second-order gradient of MaxPoolGrad uses) route every output to the same
 * input element.
 *
 * Tie-breaking: the first element, in row-major order of the window, that is
 * strictly greater than all before it; NaN never wins. This is the rule of
 * tfjs-backend-cpu 4.22 (maxPoolPositions). A window whose valid elements are
 * all NaN or −∞ routes to its first valid element, where the stock cpu kernel
 * routes nowhere. The stock wasm MaxPoolGrad and MaxPoolWithArgmax of 4.22
 * start from 0 instead of −∞, so a window whose elements are all negative
 * routes to its first element and reports a maximum of 0.
 */

/**
 * For each output element of a 2D max pool over channels-last `x`, returns
 * the flat index into x (batch included) of the element it takes its value
 * from. The result has one entry per output element, in output order.
 */
export function maxPoolArgmax(xValues: Float32Array, info: tf.backend_util.Conv2DInfo): Int32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { effectiveFilterHeight, effectiveFilterWidth } = info;
  const positions = new Int32Array(batchSize * outHeight * outWidth * inChannels);

  let outIndex = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let outRow = 0; outRow < outHeight; outRow++) {
      const rowCorner = outRow * strideHeight - info.padInfo.top;
      let rowStart = rowCorner;
      while (rowStart < 0) {
        rowStart += dilationHeight;
      }
      const rowEnd = Math.min(inHeight, rowCorner + effectiveFilterHeight);

      for (let outColumn = 0; outColumn < outWidth; outColumn++) {
        const columnCorner = outColumn * strideWidth - info.padInfo.left;
        let columnStart = columnCorner;
        while (columnStart < 0) {
          columnStart += dilationWidth;
        }
        const columnEnd = Math.min(inWidth, columnCorner + effectiveFilterWidth);
        if (rowStart >= rowEnd || columnStart >= columnEnd) {
          throw new Error(
            `Max pooling window at output (${outRow}, ${outColumn}) lies entirely in the padding; ` +
              'use a padding smaller than the filter.',
          );
        }

        for (let channel = 0; channel < inChannels; channel++) {
          const firstValid = ((b * inHeight + rowStart) * inWidth + columnStart) * inChannels + channel;
          let best = Number.NEGATIVE_INFINITY;
          let bestIndex = -1;
          for (let row = rowStart; row < rowEnd; row += dilationHeight) {
            for (let column = columnStart; column < columnEnd; column += dilationWidth) {
              const index = ((b * inHeight + row) * inWidth + column) * inChannels + channel;
              const value = xValues[index];
              if (value > best) {
                best = value;
                bestIndex = index;
              }
            }
          }
          positions[outIndex++] = bestIndex === -1 ? firstValid : bestIndex;
        }
      }
    }
  }
  return positions;
}

function poolInfo(
  xShape: number[],
  attrs: { filterSize: [number, number] | number; strides: [number, number] | number; pad: unknown; dimRoundingMode?: 'floor' | 'round' | 'ceil' },
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    shape4D(xShape, 'Max pooling input'),
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode,
  );
}

/**
 * MaxPoolGrad: dx[i] = Σ dy[o] over the outputs o whose argmax is i. Inputs
 * `dy` [batch, outHeight, outWidth, channels], `input` (x) and `output` (the
 * forward max pool, unused); returns dx shaped like x.
 */
export function maxPoolGrad({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const dy = requireInput(inputs, 'dy', 'MaxPoolGrad');
  const input = requireInput(inputs, 'input', 'MaxPoolGrad');
  const info = poolInfo(input.shape, attrs as unknown as tf.MaxPoolGradAttrs);
  const positions = maxPoolArgmax(readFloat32(backend, input), info);
  const dyValues = readFloat32(backend, dy);

  const sums = new Float64Array(tf.util.sizeFromShape(input.shape));
  for (let outIndex = 0; outIndex < positions.length; outIndex++) {
    sums[positions[outIndex]] += dyValues[outIndex];
  }
  return writeOutput(backend, toFloat32(sums), input.shape, 'float32');
}

/**
 * MaxPoolWithArgmax: the max pool of `x` and, per output element, the flat
 * index of its argmax, (row·inWidth + column)·channels + channel, plus
 * batch·inHeight·inWidth·channels when attrs.includeBatchInIndex is set (the
 * TensorFlow convention). Also honours a dimRoundingMode attribute, which
 * the stock kernels ignore.
 */
export function maxPoolWithArgmax({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo[] {
  const x = requireInput(inputs, 'x', 'MaxPoolWithArgmax');
  const kernelAttrs = attrs as unknown as tf.MaxPoolWithArgmaxAttrs & { dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  const info = poolInfo(x.shape, kernelAttrs);
  const xValues = readFloat32(backend, x);
  const positions = maxPoolArgmax(xValues, info);

  const values = new Float32Array(positions.length);
  const imageSize = info.inHeight * info.inWidth * info.inChannels;
  for (let outIndex = 0; outIndex < positions.length; outIndex++) {
    values[outIndex] = xValues[positions[outIndex]];
    if (!kernelAttrs.includeBatchInIndex) {
      positions[outIndex] %= imageSize;
    }
  }
  return [
    writeOutput(backend, values, info.outShape, 'float32'),
    writeOutput(backend, positions, info.outShape, 'int32'),
  ];
}

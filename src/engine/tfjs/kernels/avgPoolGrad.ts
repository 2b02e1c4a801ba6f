import * as tf from '@tensorflow/tfjs';

import { requireInput, shape4D, type KernelArguments } from './kernelIo';
import { tensorStorage } from './tensorStorage';

/**
 * AvgPoolGrad that is the exact adjoint of the forward AvgPool:
 *
 *   dx[i] = Σ dy[o] / count(o) over the output windows o that contain i,
 *
 * where count(o) is the number of window elements inside the image. The
 * forward AvgPool of the cpu and wasm backends (tfjs 4.22), like TensorFlow's,
 * averages over those elements only, but their stock AvgPoolGrad divides by
 * the full filter area, so with 'same' padding the first-order gradient at
 * the border is wrong. With 'valid' padding both agree.
 *
 * Inputs `dy` [batch, outHeight, outWidth, channels] and `input` (x,
 * channels last); returns dx shaped like x. Sums run in float64 and are
 * rounded to float32 once.
 */
export function avgPoolGrad({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const dy = requireInput(inputs, 'dy', 'AvgPoolGrad');
  const input = requireInput(inputs, 'input', 'AvgPoolGrad');
  const { filterSize, strides, pad } = attrs as unknown as tf.AvgPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(shape4D(input.shape, 'Average pooling input'), filterSize, strides, 1, pad);
  const storage = tensorStorage(backend);
  const dyValues = storage.float32(dy);

  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const sums = new Float64Array(tf.util.sizeFromShape(input.shape));
  let outIndex = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let outRow = 0; outRow < outHeight; outRow++) {
      const rowCorner = outRow * strideHeight - info.padInfo.top;
      const rowStart = Math.max(0, rowCorner);
      const rowEnd = Math.min(inHeight, rowCorner + info.filterHeight);

      for (let outColumn = 0; outColumn < outWidth; outColumn++) {
        const columnCorner = outColumn * strideWidth - info.padInfo.left;
        const columnStart = Math.max(0, columnCorner);
        const columnEnd = Math.min(inWidth, columnCorner + info.filterWidth);
        const count = Math.max(0, rowEnd - rowStart) * Math.max(0, columnEnd - columnStart);

        for (let channel = 0; channel < inChannels; channel++) {
          const share = count > 0 ? dyValues[outIndex] / count : 0;
          outIndex++;
          for (let row = rowStart; row < rowEnd; row++) {
            for (let column = columnStart; column < columnEnd; column++) {
              sums[((b * inHeight + row) * inWidth + column) * inChannels + channel] += share;
            }
          }
        }
      }
    }
  }
  const dx = storage.allocate(input.shape);
  storage.float32(dx).set(sums);
  return dx;
}

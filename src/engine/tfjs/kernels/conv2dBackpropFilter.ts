import * as tf from '@tensorflow/tfjs';

import { readFloat32, requireInput, shape4D, toFloat32, writeOutput, type KernelArguments } from './kernelIo';

/**
 * Conv2DBackpropFilter as one flat-array loop: the gradient of a 2D
 * convolution with respect to its filter,
 *
 *   dW[fr, fc, ci, co] = Σ_{b, r, c} x[b, r·sh − padTop + fr, c·sw − padLeft + fc, ci] · dy[b, r, c, co].
 *
 * Inputs: `x` [batch, inHeight, inWidth, inChannels] and `dy` [batch,
 * outHeight, outWidth, outChannels] (both channels-first when `dataFormat`
 * is NCHW). Attributes as tfjs-core's conv2DBackpropFilter op sets them:
 * strides, pad, dataFormat, dimRoundingMode, filterShape [filterHeight,
 * filterWidth, inChannels, outChannels]. Returns dW of shape filterShape.
 * Sums run in float64 and are rounded to float32 once.
 *
 * The stock cpu kernel of tfjs-backend-cpu 4.22 reads one element at a time
 * through TensorBuffer.get, and the wasm backend has no such kernel.
 */
export function conv2dBackpropFilter({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const x = requireInput(inputs, 'x', 'Conv2DBackpropFilter');
  const dy = requireInput(inputs, 'dy', 'Conv2DBackpropFilter');
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;

  const info = tf.backend_util.computeConv2DInfo(
    shape4D(x.shape, 'Conv2DBackpropFilter input x'),
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
  const xValues = readFloat32(backend, x);
  const dyValues = readFloat32(backend, dy);

  const channelsLast = info.dataFormat === 'channelsLast';
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;

  // Element strides of (batch, row, column, channel) in x and dy.
  const xStrides = channelsLast
    ? [inHeight * inWidth * inChannels, inWidth * inChannels, inChannels, 1]
    : [inChannels * inHeight * inWidth, inWidth, 1, inHeight * inWidth];
  const dyStrides = channelsLast
    ? [outHeight * outWidth * outChannels, outWidth * outChannels, outChannels, 1]
    : [outChannels * outHeight * outWidth, outWidth, 1, outHeight * outWidth];
  const dyChannelStride = dyStrides[3];
  const xChannelStride = xStrides[3];

  const sums = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let outRow = 0; outRow < outHeight; outRow++) {
      const rowCorner = outRow * strideHeight - padTop;
      for (let outColumn = 0; outColumn < outWidth; outColumn++) {
        const columnCorner = outColumn * strideWidth - padLeft;
        const dyBase = b * dyStrides[0] + outRow * dyStrides[1] + outColumn * dyStrides[2];

        for (let filterRow = 0; filterRow < filterHeight; filterRow++) {
          const inRow = rowCorner + filterRow;
          if (inRow < 0 || inRow >= inHeight) {
            continue;
          }
          for (let filterColumn = 0; filterColumn < filterWidth; filterColumn++) {
            const inColumn = columnCorner + filterColumn;
            if (inColumn < 0 || inColumn >= inWidth) {
              continue;
            }
            const xBase = b * xStrides[0] + inRow * xStrides[1] + inColumn * xStrides[2];
            const filterBase = (filterRow * filterWidth + filterColumn) * inChannels * outChannels;

            for (let inChannel = 0; inChannel < inChannels; inChannel++) {
              const xValue = xValues[xBase + inChannel * xChannelStride];
              const sumBase = filterBase + inChannel * outChannels;
              for (let outChannel = 0; outChannel < outChannels; outChannel++) {
                sums[sumBase + outChannel] += xValue * dyValues[dyBase + outChannel * dyChannelStride];
              }
            }
          }
        }
      }
    }
  }

  return writeOutput(backend, toFloat32(sums), filterShape, 'float32');
}

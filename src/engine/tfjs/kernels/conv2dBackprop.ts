import * as tf from '@tensorflow/tfjs';

import { filterGradientByColumns, inputGradientByColumns } from './conv2dBackpropColumns';
import { convolutionShape, filterGradientByConvolution, inputGradientByConvolution } from './conv2dBackpropConv';
import { columnGeometry } from './convolutionColumns';
import { requireInput, shape4D, type KernelArguments } from './kernelIo';
import { isWasmBackend, tensorStorage } from './tensorStorage';

/**
 * Conv2DBackpropFilter and Conv2DBackpropInput kernels for the cpu and wasm
 * backends, built on the backend's own fast kernels.
 *
 * On wasm both first try the forward-convolution form of
 * conv2dBackpropConv.ts, which runs entirely in XNNPACK, and otherwise use
 * the im2col matrix-product form of conv2dBackpropColumns.ts. On the LeNet
 * layers with 256 samples the convolution form took 8.5, 5.7 and 7.7 ms
 * (conv1 filter, conv2 filter, conv2 input) against 13.2, 9.8 and 11.4 ms
 * for the matrix-product form (one run on the 2-core AMD EPYC development
 * machine). The JavaScript im2col and col2im loops cost more than the
 * product itself. On cpu the matrix-product form runs on the cpu backend's
 * BatchMatMul.
 */

/**
 * Conv2DBackpropFilter. Inputs `x` [batch, inHeight, inWidth, inChannels] and
 * `dy` [batch, outHeight, outWidth, outChannels] are both channels first when
 * attrs.dataFormat is NCHW. The attributes are strides, pad, dataFormat,
 * dimRoundingMode and filterShape [filterHeight, filterWidth, inChannels,
 * outChannels], as tfjs-core's conv2DBackpropFilter op sets them. Returns dW
 * of shape filterShape.
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
  const storage = tensorStorage(backend);
  const channelsLast = info.dataFormat === 'channelsLast';

  if (isWasmBackend(backend)) {
    const gradient = filterGradientByConvolution(storage, x, dy, convolutionShape(info), channelsLast, filterShape);
    if (gradient !== null) {
      return gradient;
    }
  }
  return filterGradientByColumns(storage, x, dy, columnGeometry(info), channelsLast, filterShape);
}

/**
 * Conv2DBackpropInput: inputs `dy` [batch, outHeight, outWidth, outChannels]
 * (channels first for NCHW) and `filter` [filterHeight, filterWidth,
 * inChannels, outChannels]; attributes strides, pad, dataFormat,
 * dimRoundingMode and inputShape. Returns dx of shape inputShape.
 */
export function conv2dBackpropInput({ inputs, backend, attrs }: KernelArguments): tf.TensorInfo {
  const dy = requireInput(inputs, 'dy', 'Conv2DBackpropInput');
  const filter = requireInput(inputs, 'filter', 'Conv2DBackpropInput');
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const channelsLast = tf.backend_util.convertConv2DDataFormat(dataFormat) === 'channelsLast';
  const [batch, height, width, channels] = channelsLast
    ? inputShape
    : [inputShape[0], inputShape[2], inputShape[3], inputShape[1]];
  // dx's geometry in channels-last layout, which both forms compute in.
  const info = tf.backend_util.computeConv2DInfo(
    [batch, height, width, channels],
    shape4D(filter.shape, 'Conv2DBackpropInput filter'),
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const storage = tensorStorage(backend);

  if (isWasmBackend(backend)) {
    const dx = inputGradientByConvolution(storage, dy, filter, convolutionShape(info), channelsLast);
    if (dx !== null) {
      return dx;
    }
  }
  return inputGradientByColumns(storage, dy, filter, columnGeometry(info), channelsLast);
}

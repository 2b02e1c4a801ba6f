import * as tf from '@tensorflow/tfjs';

/**
 * Gradients of the convolution backprop kernels, which double backprop
 * through a convolution layer reaches and tfjs-core 4.22 leaves without one
 * (Conv2DBackpropInput has one already).
 *
 * Each kernel is bilinear in its two inputs, so its gradient with respect to
 * one input is the other linear map of the convolution applied to the
 * incoming cotangent G (shaped like the kernel's output, a filter or an
 * image): for dW = Conv2DBackpropFilter(x, dy), ⟨G, dW⟩ = ⟨dy, conv2d(x, G)⟩
 * = ⟨x, Conv2DBackpropInput(dy, G)⟩.
 */

function runKernel(kernelName: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor {
  return tf.engine().runKernel(kernelName, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
}

/** Conv2DBackpropFilter(x, dy) → dW: G ↦ (x: Conv2DBackpropInput(dy, G), dy: conv2d(x, G)). */
export const conv2dBackpropFilterGradient: tf.GradConfig = {
  kernelName: 'Conv2DBackpropFilter',
  inputsToSave: ['x', 'dy'],
  gradFunc: (filterCotangent, saved, attrs) => {
    const [x, dy] = saved;
    const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    const filter = filterCotangent as tf.Tensor;
    return {
      x: () =>
        runKernel('Conv2DBackpropInput', { dy, filter }, { strides, pad, dataFormat, dimRoundingMode, inputShape: x.shape }),
      dy: () => runKernel('Conv2D', { x, filter }, { strides, pad, dataFormat, dilations: 1, dimRoundingMode }),
    };
  },
};

/**
 * DepthwiseConv2dNativeBackpropFilter(x, dy) → dW:
 * G ↦ (x: DepthwiseConv2dNativeBackpropInput(dy, G), dy: depthwiseConv2d(x, G)).
 */
export const depthwiseConv2dNativeBackpropFilterGradient: tf.GradConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  inputsToSave: ['x', 'dy'],
  gradFunc: (filterCotangent, saved, attrs) => {
    const [x, dy] = saved;
    const { strides, pad, dilations, dimRoundingMode } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    const filter = filterCotangent as tf.Tensor;
    return {
      x: () =>
        runKernel(
          'DepthwiseConv2dNativeBackpropInput',
          { dy, filter },
          { strides, pad, dilations, dimRoundingMode, inputShape: x.shape },
        ),
      dy: () =>
        runKernel('DepthwiseConv2dNative', { x, filter }, { strides, pad, dataFormat: 'NHWC', dilations, dimRoundingMode }),
    };
  },
};

/**
 * DepthwiseConv2dNativeBackpropInput(dy, W) → dx:
 * G ↦ (dy: depthwiseConv2d(G, W), filter: DepthwiseConv2dNativeBackpropFilter(G, dy)).
 */
export const depthwiseConv2dNativeBackpropInputGradient: tf.GradConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  inputsToSave: ['dy', 'filter'],
  gradFunc: (inputCotangent, saved, attrs) => {
    const [dy, filter] = saved;
    const { strides, pad, dilations, dimRoundingMode } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
    const x = inputCotangent as tf.Tensor;
    return {
      dy: () =>
        runKernel('DepthwiseConv2dNative', { x, filter }, { strides, pad, dataFormat: 'NHWC', dilations, dimRoundingMode }),
      filter: () =>
        runKernel(
          'DepthwiseConv2dNativeBackpropFilter',
          { x, dy },
          { strides, pad, dilations, dimRoundingMode, filterShape: filter.shape },
        ),
    };
  },
};

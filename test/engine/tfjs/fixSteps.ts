import * as tf from '@tensorflow/tfjs';

import { eluGradGradient } from '../../../src/engine/tfjs/activationGradients';
import {
  conv2dBackpropFilterGradient,
  depthwiseConv2dNativeBackpropFilterGradient,
  depthwiseConv2dNativeBackpropInputGradient,
} from '../../../src/engine/tfjs/convolutionGradients';
import { CPU_KERNELS } from '../../../src/engine/tfjs/cpuKernels';
import { replaceKernel } from '../../../src/engine/tfjs/kernelRegistration';
import { avgPoolGradGradient, maxPoolGradGradient } from '../../../src/engine/tfjs/poolingGradients';
import { installTapeOrderFix } from '../../../src/engine/tfjs/tapeOrder';
import { WASM_KERNELS } from '../../../src/engine/tfjs/wasmKernels';
import { installZeroGradients } from '../../../src/engine/tfjs/zeroGradients';

/**
 * The fixes of src/engine/tfjs, installed one at a time on a stock
 * TensorFlow.js. Each step names the layer cases that fail before it is
 * installed (with every earlier step in place) and pass after, which shows
 * that the step is needed. Steps that only make a kernel faster name no case.
 */
export interface FixStep {
  name: string;
  install(): void;
  /** Layer cases (by LayerCase.name) that the step turns from failing to passing. */
  cases: string[];
}

function kernels(backend: 'cpu' | 'wasm', names: string[]): () => void {
  const list = backend === 'cpu' ? CPU_KERNELS : WASM_KERNELS;
  return () => {
    for (const name of names) {
      const kernel = list.find((entry) => entry.kernelName === name);
      if (kernel === undefined) {
        throw new Error(`No ${backend} kernel ${name} to install.`);
      }
      replaceKernel(name, backend, kernel.kernelFunc);
    }
  };
}

function gradients(...configs: tf.GradConfig[]): () => void {
  return () => configs.forEach((config) => tf.registerGradient(config));
}

/** Lists the steps for `backend` in order. After the last, everything that installGradientFixes installs is in place. */
export function fixSteps(backend: 'cpu' | 'wasm'): FixStep[] {
  const onCpu = (cases: string[]): string[] => (backend === 'cpu' ? cases : []);
  const onWasm = (cases: string[]): string[] => (backend === 'wasm' ? cases : []);

  const steps: FixStep[] = [
    { name: 'tape order', install: installTapeOrderFix, cases: ['Dense tanh', 'Dense sigmoid', 'Dense softmax', 'Dense swish'] },
    {
      name: 'zero gradients',
      install: installZeroGradients,
      cases: ['loss categorical_crossentropy', 'loss binary_crossentropy', 'Dense selu', 'LSTM hardSigmoid'],
    },
    { name: 'EluGrad gradient', install: gradients(eluGradGradient), cases: ['Dense elu'] },
    // On wasm these cases also need the missing kernels, installed further down.
    { name: 'Conv2DBackpropFilter gradient', install: gradients(conv2dBackpropFilterGradient), cases: onCpu(['Conv2D same']) },
    {
      name: 'depthwise backprop gradients',
      install: gradients(depthwiseConv2dNativeBackpropFilterGradient, depthwiseConv2dNativeBackpropInputGradient),
      cases: onCpu(['DepthwiseConv2D']),
    },
    { name: 'AvgPoolGrad gradient', install: gradients(avgPoolGradGradient), cases: ['AveragePooling2D valid after Dense'] },
    { name: 'MaxPoolGrad gradient', install: gradients(maxPoolGradGradient), cases: onCpu(['MaxPooling2D after Dense']) },
  ];

  if (backend === 'cpu') {
    steps.push(
      { name: 'cpu AvgPoolGrad kernel', install: kernels('cpu', ['AvgPoolGrad']), cases: ['AveragePooling2D same after Dense'] },
      {
        name: 'cpu kernels for speed',
        install: kernels('cpu', ['Conv2DBackpropFilter', 'MaxPoolGrad', 'MaxPoolWithArgmax', 'UnsortedSegmentSum']),
        cases: [],
      },
    );
  } else {
    steps.push(
      { name: 'wasm Conv2DBackpropFilter kernel', install: kernels('wasm', ['Conv2DBackpropFilter']), cases: onWasm(['Conv2D same']) },
      {
        name: 'wasm depthwise backprop kernels',
        install: kernels('wasm', ['DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']),
        cases: ['DepthwiseConv2D'],
      },
      { name: 'wasm UnsortedSegmentSum kernel', install: kernels('wasm', ['UnsortedSegmentSum']), cases: ['Embedding'] },
      {
        name: 'wasm MaxPoolGrad and MaxPoolWithArgmax kernels',
        install: kernels('wasm', ['MaxPoolGrad', 'MaxPoolWithArgmax']),
        cases: ['MaxPooling2D after Dense'],
      },
      { name: 'wasm AvgPoolGrad kernel', install: kernels('wasm', ['AvgPoolGrad']), cases: ['AveragePooling2D same after Dense'] },
    );
  }
  return steps;
}

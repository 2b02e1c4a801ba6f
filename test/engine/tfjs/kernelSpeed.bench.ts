/**
 * Times the cpu replacement kernels against the stock tfjs-backend-cpu 4.22
 * kernels on the same inputs in one run, and one gradient of a LeNet-sized
 * CNN with each set registered. Prints a Markdown table of the ratios.
 *
 * Usage: npx tsx test/engine/tfjs/kernelSpeed.bench.ts
 */
import * as os from 'node:os';

import * as tf from '@tensorflow/tfjs';

import { createRandom } from '../../../src/engine/linalg/random';
import { CPU_KERNELS } from '../../../src/engine/tfjs/cpuKernels';
import { getStockKernel, replaceKernel } from '../../../src/engine/tfjs/kernelRegistration';
import { useBackend } from './backendSetup';

interface KernelCase {
  label: string;
  kernelName: string;
  inputs: Record<string, { shape: number[]; dtype: 'float32' | 'int32'; upper?: number }>;
  attrs: Record<string, unknown>;
}

const KERNEL_CASES: KernelCase[] = [
  {
    label: 'Conv2DBackpropFilter, x [64, 28, 28, 1], 5×5×1×6',
    kernelName: 'Conv2DBackpropFilter',
    inputs: { x: { shape: [64, 28, 28, 1], dtype: 'float32' }, dy: { shape: [64, 24, 24, 6], dtype: 'float32' } },
    attrs: { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [5, 5, 1, 6] },
  },
  {
    label: 'Conv2DBackpropFilter, x [64, 12, 12, 6], 5×5×6×16',
    kernelName: 'Conv2DBackpropFilter',
    inputs: { x: { shape: [64, 12, 12, 6], dtype: 'float32' }, dy: { shape: [64, 8, 8, 16], dtype: 'float32' } },
    attrs: { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [5, 5, 6, 16] },
  },
  {
    label: 'MaxPoolGrad, x [64, 24, 24, 6], 2×2 stride 2',
    kernelName: 'MaxPoolGrad',
    inputs: {
      dy: { shape: [64, 12, 12, 6], dtype: 'float32' },
      input: { shape: [64, 24, 24, 6], dtype: 'float32' },
      output: { shape: [64, 12, 12, 6], dtype: 'float32' },
    },
    attrs: { filterSize: 2, strides: 2, pad: 'valid' },
  },
  {
    label: 'UnsortedSegmentSum, x [640, 32], 1000 segments',
    kernelName: 'UnsortedSegmentSum',
    inputs: { x: { shape: [640, 32], dtype: 'float32' }, segmentIds: { shape: [640], dtype: 'int32', upper: 1000 } },
    attrs: { numSegments: 1000 },
  },
];

function medianMilliseconds(run: () => void, repeats: number): number {
  run();
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function timeKernel(kernelCase: KernelCase, kernelFunc: tf.KernelFunc, backend: tf.KernelBackend, infos: tf.NamedTensorInfoMap): number {
  return medianMilliseconds(() => {
    const output = kernelFunc({ inputs: infos, attrs: kernelCase.attrs as tf.NamedAttrMap, backend });
    (Array.isArray(output) ? output : [output]).forEach((info) => backend.disposeData(info.dataId));
  }, 5);
}

function lenet(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'relu' }),
      tf.layers.dense({ units: 84, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

async function main(): Promise<void> {
  await useBackend('cpu');
  const backend = tf.engine().findBackend('cpu');
  const random = createRandom(5, 'speed');
  const rows: string[] = [];

  for (const kernelCase of KERNEL_CASES) {
    const infos: tf.NamedTensorInfoMap = {};
    for (const [name, input] of Object.entries(kernelCase.inputs)) {
      const size = input.shape.reduce((a, b) => a * b, 1);
      const values =
        input.dtype === 'int32'
          ? Int32Array.from({ length: size }, () => random.integer(input.upper ?? 1))
          : Float32Array.from({ length: size }, () => random.normal());
      infos[name] = { dataId: backend.write(values, input.shape, input.dtype), shape: input.shape, dtype: input.dtype };
    }
    const stock = getStockKernel(kernelCase.kernelName, 'cpu');
    const replacement = tf.getKernel(kernelCase.kernelName, 'cpu');
    if (!stock || !replacement) {
      throw new Error(`Missing stock or replacement kernel for ${kernelCase.kernelName}.`);
    }
    const stockTime = timeKernel(kernelCase, stock.kernelFunc, backend, infos);
    const replacementTime = timeKernel(kernelCase, replacement.kernelFunc, backend, infos);
    rows.push(`| ${kernelCase.label} | ${stockTime.toFixed(1)} | ${replacementTime.toFixed(1)} | ${(stockTime / replacementTime).toFixed(1)}× |`);
    Object.values(infos).forEach((info) => backend.disposeData(info!.dataId));
  }

  // One gradient of a LeNet-sized CNN on 64 samples, stock kernels against replacements.
  const model = lenet();
  const x = tf.randomNormal([64, 28, 28, 1], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([64], 0, 10, 'int32', 2), 10).toFloat();
  const gradient = (): void => {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar);
      Object.values(grads).forEach((value) => value.dataSync());
    });
  };
  const replacements = CPU_KERNELS.map(({ kernelName }) => ({ kernelName, kernelFunc: tf.getKernel(kernelName, 'cpu')!.kernelFunc }));
  for (const { kernelName } of CPU_KERNELS) {
    replaceKernel(kernelName, 'cpu', getStockKernel(kernelName, 'cpu')!.kernelFunc);
  }
  const stockTime = medianMilliseconds(gradient, 3);
  for (const { kernelName, kernelFunc } of replacements) {
    replaceKernel(kernelName, 'cpu', kernelFunc);
  }
  const replacementTime = medianMilliseconds(gradient, 3);
  rows.push(`| LeNet gradient, 64 samples | ${stockTime.toFixed(1)} | ${replacementTime.toFixed(1)} | ${(stockTime / replacementTime).toFixed(1)}× |`);

  console.log(`cpu backend, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
  console.log('| case | stock ms | replacement ms | speed-up |');
  console.log('| --- | --- | --- | --- |');
  rows.forEach((row) => console.log(row));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

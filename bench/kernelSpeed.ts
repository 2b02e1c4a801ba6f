/**
 * Times single kernels on the shapes of the benchmark models: the backend's
 * stock kernel, the baseline commit's replacement (with --baseline) and this
 * working tree's replacement, on the same inputs in one process. Every timed
 * call gets freshly written inputs, as it does inside a Hessian-vector
 * product, so no per-tensor cache (XNNPACK's packed weights, the max-pooling
 * argmax) carries over from one call to the next.
 *
 * Run: npx tsx bench/kernelSpeed.ts [--backends wasm,cpu] [--baseline REV] [--repeats N]
 * bench/hvpThroughput.ts runs the same cases.
 */
import * as tf from '@tensorflow/tfjs';

import { createRandom, type Random } from '../src/engine/linalg/random';
import { installGradientFixes, selectBackend } from '../src/engine/tfjs';
import { GATHER_AT_MAX_POOL_ARGMAX } from '../src/engine/tfjs/kernels/maxPool';
import { benchmarkHeader, writeResult } from './benchmarkRecord';
import { currentKernels, loadBaselineKernels, stockKernel, type KernelSet } from './kernelSets';

interface InputSpec {
  shape: number[];
  dtype?: 'float32' | 'int32';
}

export interface KernelCase {
  label: string;
  kernelName: string;
  inputs: Record<string, InputSpec>;
  attrs: Record<string, unknown>;
}

const LENET_POOL = { filterSize: 2, strides: 2, pad: 'valid' };

/** Kernel calls of one LeNet (256 samples) or MLP (batch 256) Hessian-vector product, and depthwise layers of MobileNet size. */
export const KERNEL_CASES: KernelCase[] = [
  {
    label: 'Conv2D, LeNet conv1',
    kernelName: 'Conv2D',
    inputs: { x: { shape: [256, 32, 32, 1] }, filter: { shape: [5, 5, 1, 6] } },
    attrs: { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1 },
  },
  {
    label: 'Conv2D, LeNet conv2',
    kernelName: 'Conv2D',
    inputs: { x: { shape: [256, 14, 14, 6] }, filter: { shape: [5, 5, 6, 16] } },
    attrs: { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1 },
  },
  {
    label: 'FusedConv2D + bias + relu, LeNet conv2',
    kernelName: 'FusedConv2D',
    inputs: { x: { shape: [256, 14, 14, 6] }, filter: { shape: [5, 5, 6, 16] }, bias: { shape: [16] } },
    attrs: { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1, activation: 'relu' },
  },
  {
    label: 'Conv2DBackpropFilter, LeNet conv1',
    kernelName: 'Conv2DBackpropFilter',
    inputs: { x: { shape: [256, 32, 32, 1] }, dy: { shape: [256, 28, 28, 6] } },
    attrs: { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [5, 5, 1, 6] },
  },
  {
    label: 'Conv2DBackpropFilter, LeNet conv2',
    kernelName: 'Conv2DBackpropFilter',
    inputs: { x: { shape: [256, 14, 14, 6] }, dy: { shape: [256, 10, 10, 16] } },
    attrs: { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [5, 5, 6, 16] },
  },
  {
    label: 'Conv2DBackpropInput, LeNet conv2',
    kernelName: 'Conv2DBackpropInput',
    inputs: { dy: { shape: [256, 10, 10, 16] }, filter: { shape: [5, 5, 6, 16] } },
    attrs: { strides: 1, pad: 'valid', dataFormat: 'NHWC', inputShape: [256, 14, 14, 6] },
  },
  {
    label: 'BatchMatMul A·B, LeNet dense1',
    kernelName: 'BatchMatMul',
    inputs: { a: { shape: [256, 400] }, b: { shape: [400, 120] } },
    attrs: { transposeA: false, transposeB: false },
  },
  {
    label: 'BatchMatMul Aᵀ·B, LeNet dense1 (dW)',
    kernelName: 'BatchMatMul',
    inputs: { a: { shape: [256, 400] }, b: { shape: [256, 120] } },
    attrs: { transposeA: true, transposeB: false },
  },
  {
    label: 'BatchMatMul A·Bᵀ, LeNet dense1 (dx)',
    kernelName: 'BatchMatMul',
    inputs: { a: { shape: [256, 120] }, b: { shape: [400, 120] } },
    attrs: { transposeA: false, transposeB: true },
  },
  {
    label: 'BatchMatMul Aᵀ·B, MLP dense1 (dW)',
    kernelName: 'BatchMatMul',
    inputs: { a: { shape: [256, 784] }, b: { shape: [256, 256] } },
    attrs: { transposeA: true, transposeB: false },
  },
  {
    label: 'BatchMatMul A·Bᵀ, MLP dense2 (dx)',
    kernelName: 'BatchMatMul',
    inputs: { a: { shape: [256, 128] }, b: { shape: [256, 128] } },
    attrs: { transposeA: false, transposeB: true },
  },
  {
    label: '_FusedMatMul + bias + relu, MLP dense1',
    kernelName: '_FusedMatMul',
    inputs: { a: { shape: [1, 256, 784] }, b: { shape: [1, 784, 256] }, bias: { shape: [256] } },
    attrs: { transposeA: false, transposeB: false, activation: 'relu' },
  },
  {
    label: 'MaxPoolGrad, LeNet pool1',
    kernelName: 'MaxPoolGrad',
    inputs: { dy: { shape: [256, 14, 14, 6] }, input: { shape: [256, 28, 28, 6] }, output: { shape: [256, 14, 14, 6] } },
    attrs: LENET_POOL,
  },
  {
    label: 'MaxPoolWithArgmax, LeNet pool1',
    kernelName: 'MaxPoolWithArgmax',
    inputs: { x: { shape: [256, 28, 28, 6] } },
    attrs: { ...LENET_POOL, includeBatchInIndex: true },
  },
  {
    label: `${GATHER_AT_MAX_POOL_ARGMAX}, LeNet pool1`,
    kernelName: GATHER_AT_MAX_POOL_ARGMAX,
    inputs: { x: { shape: [256, 28, 28, 6] }, values: { shape: [256, 28, 28, 6] } },
    attrs: LENET_POOL,
  },
  {
    label: 'AvgPoolGrad 2×2, [256, 28, 28, 6]',
    kernelName: 'AvgPoolGrad',
    inputs: { dy: { shape: [256, 14, 14, 6] }, input: { shape: [256, 28, 28, 6] } },
    attrs: LENET_POOL,
  },
  {
    label: 'Multiply, bias-shaped [1, 1, 1, 6] by [256, 28, 28, 6]',
    kernelName: 'Multiply',
    inputs: { a: { shape: [1, 1, 1, 6] }, b: { shape: [256, 28, 28, 6] } },
    attrs: {},
  },
  {
    label: 'Multiply, [256, 28, 28, 6] twice',
    kernelName: 'Multiply',
    inputs: { a: { shape: [256, 28, 28, 6] }, b: { shape: [256, 28, 28, 6] } },
    attrs: {},
  },
  {
    label: 'Add, [256, 28, 28, 6] twice',
    kernelName: 'Add',
    inputs: { a: { shape: [256, 28, 28, 6] }, b: { shape: [256, 28, 28, 6] } },
    attrs: {},
  },
  {
    label: 'Sum over [256, 28, 28] of [256, 28, 28, 6]',
    kernelName: 'Sum',
    inputs: { x: { shape: [256, 28, 28, 6] } },
    attrs: { axis: [0, 1, 2], keepDims: false },
  },
  {
    label: 'Relu, [256, 28, 28, 6]',
    kernelName: 'Relu',
    inputs: { x: { shape: [256, 28, 28, 6] } },
    attrs: {},
  },
  {
    label: 'Step, [256, 28, 28, 6]',
    kernelName: 'Step',
    inputs: { x: { shape: [256, 28, 28, 6] } },
    attrs: { alpha: 0 },
  },
  {
    label: 'Identity, [256, 28, 28, 6]',
    kernelName: 'Identity',
    inputs: { x: { shape: [256, 28, 28, 6] } },
    attrs: {},
  },
  {
    label: 'Cast float32 to float32, [256, 28, 28, 6]',
    kernelName: 'Cast',
    inputs: { x: { shape: [256, 28, 28, 6] } },
    attrs: { dtype: 'float32' },
  },
  {
    label: 'DepthwiseConv2dNativeBackpropFilter 3×3, [32, 28, 28, 32]',
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    inputs: { x: { shape: [32, 28, 28, 32] }, dy: { shape: [32, 28, 28, 32] } },
    attrs: { strides: 1, pad: 'same', dilations: 1, filterShape: [3, 3, 32, 1] },
  },
  {
    label: 'DepthwiseConv2dNativeBackpropInput 3×3, [32, 28, 28, 32]',
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    inputs: { dy: { shape: [32, 28, 28, 32] }, filter: { shape: [3, 3, 32, 1] } },
    attrs: { strides: 1, pad: 'same', dilations: 1, inputShape: [32, 28, 28, 32] },
  },
  {
    label: 'UnsortedSegmentSum, [640, 32] into 1000 segments',
    kernelName: 'UnsortedSegmentSum',
    inputs: { x: { shape: [640, 32] }, segmentIds: { shape: [640], dtype: 'int32' } },
    attrs: { numSegments: 1000 },
  },
];

/** Milliseconds of one kernel set on one case: median of `repeats` calls after one warm-up call. */
export interface KernelTiming {
  label: string;
  kernelName: string;
  /** The backend's own kernel; null where it has none. */
  stockMs: number | null;
  /** The baseline commit's replacement; null without a baseline or where it replaced nothing. */
  baselineMs: number | null;
  currentMs: number;
}

function writeInputs(backend: tf.KernelBackend, kernelCase: KernelCase, random: Random): tf.NamedTensorInfoMap {
  const infos: tf.NamedTensorInfoMap = {};
  for (const [name, spec] of Object.entries(kernelCase.inputs)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const dtype = spec.dtype ?? 'float32';
    const values =
      dtype === 'int32'
        ? Int32Array.from({ length: size }, () => random.integer(1000))
        : Float32Array.from({ length: size }, () => random.normal());
    infos[name] = { dataId: backend.write(values, spec.shape, dtype), shape: spec.shape, dtype };
  }
  return infos;
}

function timeKernel(kernelFunc: tf.KernelFunc, kernelCase: KernelCase, backend: tf.KernelBackend, repeats: number): number {
  const random = createRandom(5, kernelCase.label);
  const times: number[] = [];
  for (let run = 0; run <= repeats; run++) {
    const inputs = writeInputs(backend, kernelCase, random);
    const start = performance.now();
    const output = kernelFunc({ inputs, attrs: kernelCase.attrs as tf.NamedAttrMap, backend });
    const elapsed = performance.now() - start;
    (Array.isArray(output) ? output : [output]).forEach((info) => backend.disposeData(info.dataId));
    Object.values(inputs).forEach((info) => backend.disposeData(info!.dataId));
    if (run > 0) {
      times.push(elapsed);
    }
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Times every case whose kernel the current or the baseline set replaces on
 * the active backend. The current kernels must be installed.
 */
export function measureKernels(backendName: string, baseline: KernelSet | null, repeats: number): KernelTiming[] {
  const backend = tf.engine().findBackend(backendName);
  const current = currentKernels(backendName);
  const timings: KernelTiming[] = [];
  for (const kernelCase of KERNEL_CASES) {
    const currentFunc = current.get(kernelCase.kernelName);
    const baselineFunc = baseline?.get(kernelCase.kernelName) ?? null;
    if (currentFunc === undefined) {
      continue;
    }
    const stockFunc = stockKernel(kernelCase.kernelName, backendName);
    timings.push({
      label: kernelCase.label,
      kernelName: kernelCase.kernelName,
      stockMs: stockFunc === null ? null : timeKernel(stockFunc, kernelCase, backend, repeats),
      baselineMs: baselineFunc === null ? null : timeKernel(baselineFunc, kernelCase, backend, repeats),
      currentMs: timeKernel(currentFunc, kernelCase, backend, repeats),
    });
  }
  return timings;
}

/**
 * Conv2D calls of a LeNet HVP on wasm and the convolutions that the
 * replacement backprops run, with their nominal FLOPs, to check that
 * XNNPACK's Conv2D is fast on each shape the double backward meets.
 */
export const CONV2D_RATE_CASES: Array<KernelCase & { flops: number }> = [
  {
    label: 'forward, LeNet conv1 (1 input channel)',
    kernelName: 'Conv2D',
    inputs: { x: { shape: [256, 32, 32, 1] }, filter: { shape: [5, 5, 1, 6] } },
    attrs: { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1 },
    flops: 2 * 256 * 28 * 28 * 6 * 25,
  },
  {
    label: 'forward, LeNet conv2',
    kernelName: 'Conv2D',
    inputs: { x: { shape: [256, 14, 14, 6] }, filter: { shape: [5, 5, 6, 16] } },
    attrs: { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1 },
    flops: 2 * 256 * 10 * 10 * 16 * 150,
  },
  {
    label: 'stride 2, same, [256, 28, 28, 6] by 3×3×6×16',
    kernelName: 'Conv2D',
    inputs: { x: { shape: [256, 28, 28, 6] }, filter: { shape: [3, 3, 6, 16] } },
    attrs: { strides: 2, pad: 'same', dataFormat: 'NHWC', dilations: 1 },
    flops: 2 * 256 * 14 * 14 * 16 * 54,
  },
  {
    label: 'filter gradient form, LeNet conv2 (dy as a 10×10×256×16 filter)',
    kernelName: 'Conv2D',
    inputs: { x: { shape: [6, 14, 14, 256] }, filter: { shape: [10, 10, 256, 16] } },
    attrs: { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1 },
    flops: 2 * 256 * 10 * 10 * 16 * 150,
  },
  {
    label: 'input gradient form, LeNet conv2 (padded by 4)',
    kernelName: 'Conv2D',
    inputs: { x: { shape: [256, 10, 10, 16] }, filter: { shape: [5, 5, 16, 6] } },
    attrs: {
      strides: 1,
      pad: [
        [0, 0],
        [4, 4],
        [4, 4],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: 1,
    },
    flops: 2 * 256 * 10 * 10 * 16 * 150,
  },
];

/** Times the registered Conv2D on each of CONV2D_RATE_CASES; returns milliseconds and GFLOP/s. */
export function measureConvolutionRates(backendName: string, repeats: number): Array<{ label: string; ms: number; gflops: number }> {
  const backend = tf.engine().findBackend(backendName);
  const conv2d = tf.getKernel('Conv2D', backendName);
  if (conv2d === undefined) {
    throw new Error(`The ${backendName} backend has no Conv2D kernel.`);
  }
  return CONV2D_RATE_CASES.map((kernelCase) => {
    const ms = timeKernel(conv2d.kernelFunc, kernelCase, backend, repeats);
    return { label: kernelCase.label, ms, gflops: kernelCase.flops / ms / 1e6 };
  });
}

function formatMs(value: number | null): string {
  return value === null ? '–' : value.toFixed(2);
}

/** Markdown rows: case | stock | baseline | current | stock/current | baseline/current. */
export function kernelTable(backendName: string, timings: KernelTiming[]): string[] {
  const ratio = (value: number | null, current: number): string => (value === null ? '–' : `${(value / current).toFixed(1)}×`);
  return [
    `| ${backendName} kernel | stock ms | baseline ms | new ms | stock/new | baseline/new |`,
    '| --- | --- | --- | --- | --- | --- |',
    ...timings.map(
      (timing) =>
        `| ${timing.label} | ${formatMs(timing.stockMs)} | ${formatMs(timing.baselineMs)} | ${formatMs(timing.currentMs)} | ` +
        `${ratio(timing.stockMs, timing.currentMs)} | ${ratio(timing.baselineMs, timing.currentMs)} |`,
    ),
  ];
}

/** Parses `--name value` options. */
export function option(name: string, fallback: string | null): string | null {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

async function main(): Promise<void> {
  const backends = (option('backends', 'wasm,cpu') ?? '').split(',');
  const revision = option('baseline', null);
  const repeats = Number(option('repeats', '7'));
  const baseline = revision === null ? null : await loadBaselineKernels(revision);
  const results: Record<string, KernelTiming[]> = {};

  for (const backendName of backends) {
    await selectBackend(backendName as 'wasm' | 'cpu');
    installGradientFixes();
    const timings = measureKernels(backendName, baseline === null ? null : baseline[backendName as 'wasm' | 'cpu'], repeats);
    results[backendName] = timings;
    console.log(benchmarkHeader(backendName, `Kernel times, median of ${repeats}${baseline ? `, baseline ${baseline.commit}` : ''}`));
    console.log(kernelTable(backendName, timings).join('\n'));
    console.log();
  }
  console.log(`Results: ${writeResult('kernelSpeed', { baseline: baseline?.commit ?? null, repeats, results })}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

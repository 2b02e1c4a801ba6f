/**
 * Throughput of one Hessian-vector product, per backend, on the trained LeNet
 * (examples/lenet, 256 and 1,000 MNIST samples) and on an MLP 784-256-128-10
 * (random weights and data, batch 256). It measures forward, gradient and HVP
 * times (medians), the HVP/gradient and HVP/forward ratios and the HVP's FLOP
 * rate. In the same run it measures numpy's float32 matrix-product rate, the
 * backend's own matrix-product rate and single-kernel times
 * (bench/kernelSpeed.ts).
 * With --baseline REV, every model figure is also measured with the
 * replacement kernels of commit REV, alternating with the current ones in
 * the same process.
 *
 * FLOP count (nominal, from the layer shapes): a Dense or Conv2D layer costs
 * F = 2·samples·(output elements per sample)·(fan-in) in the forward pass,
 * where fan-in is the input size of a Dense layer and kh·kw·inChannels of a
 * convolution. A gradient runs each layer's product three times (forward, dx,
 * dW) and an HVP by double backprop nine times, except for the first layer,
 * whose input needs no gradient: twice and four times. Elementwise work is
 * not counted. The profiled count of one HVP (the same formula applied to the
 * shapes of each product kernel the HVP runs) is printed beside it.
 *
 * Run: npx tsx bench/hvpThroughput.ts [--backends wasm,cpu] [--baseline REV] [--repeats N] [--models lenet256,lenet1000,mlp]
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';

import * as tf from '@tensorflow/tfjs';

import { prepareAnalysis, problemData } from '../src/engine/analysis/prepareAnalysis';
import { LocalProductSource } from '../src/engine/hvp/localProductSource';
import { batchExactHvp } from '../src/engine/hvp/gradients';
import { createLossProblem, type LossProblem } from '../src/engine/hvp/lossProblem';
import { splitIntoTensors } from '../src/engine/hvp/parameters';
import { createRandom, normalVector } from '../src/engine/linalg/random';
import { installGradientFixes, selectBackend } from '../src/engine/tfjs';
import { benchmarkContext, writeResult } from './benchmarkRecord';
import { currentKernels, loadBaselineKernels, useKernelSet, type BackendKernelSets, type KernelSet } from './kernelSets';
import { kernelTable, measureConvolutionRates, measureKernels, option, type KernelTiming } from './kernelSpeed';

const LENET = 'examples/lenet/mnist.json';
const BATCH_SIZE = 256;

interface ModelCase {
  name: string;
  build(): Promise<LossProblem>;
}

const MODEL_CASES: Record<string, ModelCase> = {
  lenet256: { name: 'LeNet, 256 samples', build: () => lenetProblem(256) },
  lenet1000: { name: 'LeNet, 1,000 samples', build: () => lenetProblem(1000) },
  mlp: { name: 'MLP 784-256-128-10, 256 samples', build: async () => mlpProblem(256) },
};

async function lenetProblem(samples: number): Promise<LossProblem> {
  const prepared = await prepareAnalysis({ modelPath: LENET, settings: { samples } });
  return createLossProblem(prepared.model, prepared.loss, problemData(prepared.fitted), BATCH_SIZE);
}

function mlpProblem(samples: number): LossProblem {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: 256, activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }),
      tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }),
    ],
  });
  const random = createRandom(11, 'mlp data');
  const inputs = Float32Array.from({ length: samples * 784 }, () => random.normal());
  const targets = new Float32Array(samples * 10);
  for (let i = 0; i < samples; i++) {
    targets[i * 10 + random.integer(10)] = 1;
  }
  return createLossProblem(model, 'categorical_crossentropy', { inputs, inputShape: [samples, 784], targets, targetShape: [samples, 10] }, BATCH_SIZE);
}

/** Nominal forward FLOPs of each Dense and Conv2D layer, in layer order (see the file comment). */
function layerFlops(model: tf.LayersModel, samples: number): number[] {
  const flops: number[] = [];
  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (className !== 'Dense' && className !== 'Conv2D') {
      continue;
    }
    const output = (layer.outputShape as number[]).slice(1);
    const kernelShape = layer.getWeights()[0].shape;
    const fanIn = kernelShape.slice(0, -1).reduce((a, b) => a * b, 1);
    flops.push(2 * samples * output.reduce((a, b) => a * b, 1) * fanIn);
  }
  return flops;
}

/** FLOPs of a forward pass, a gradient and an HVP by the nominal count. */
function nominalFlops(model: tf.LayersModel, samples: number): { forward: number; gradient: number; hvp: number } {
  const flops = layerFlops(model, samples);
  const total = (first: number, rest: number): number => flops.reduce((sum, value, i) => sum + value * (i === 0 ? first : rest), 0);
  return { forward: total(1, 1), gradient: total(2, 3), hvp: total(4, 9) };
}

/** FLOPs of the product kernels that one HVP of the first batch runs, by 2·(output elements)·(inner dimension). */
async function profiledHvpFlops(problem: LossProblem, direction: tf.Tensor[]): Promise<number> {
  const profile = await tf.profile(() => batchExactHvp(problem, problem.batches[0], direction));
  let flops = 0;
  for (const kernel of profile.kernels) {
    const [first, second] = kernel.inputShapes as number[][];
    const output = (kernel.outputShapes as number[][])[0];
    const outputSize = output.reduce((a, b) => a * b, 1);
    if (kernel.name === 'BatchMatMul' || kernel.name === '_FusedMatMul') {
      // Each matrix of a has rows·inner elements, transposed or not.
      const rows = output[output.length - 2];
      flops += 2 * outputSize * ((first[first.length - 1] * first[first.length - 2]) / rows);
    } else if (kernel.name === 'Conv2D' || kernel.name === 'FusedConv2D') {
      flops += 2 * outputSize * second.slice(0, 3).reduce((a, b) => a * b, 1);
    } else if (kernel.name === 'Conv2DBackpropFilter') {
      flops += 2 * second.reduce((a, b) => a * b, 1) * output.slice(0, 3).reduce((a, b) => a * b, 1);
    } else if (kernel.name === 'Conv2DBackpropInput') {
      flops += 2 * first.reduce((a, b) => a * b, 1) * second.slice(0, 3).reduce((a, b) => a * b, 1);
    }
  }
  const batchShare = problem.batches[0].size / problem.samples;
  return flops / batchShare;
}

interface Timings {
  forwardMs: number;
  gradientMs: number;
  hvpMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timeOnce(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/**
 * Medians of forward, gradient and HVP times over all samples of `problem`
 * for each kernel set, alternating the sets in every repetition.
 */
async function timeModel(
  problem: LossProblem,
  backendName: string,
  sets: Array<{ label: string; kernels: KernelSet }>,
  allSets: BackendKernelSets,
  repeats: number,
): Promise<Map<string, Timings>> {
  const source = new LocalProductSource(problem);
  const vector = normalVector(createRandom(3, 'hvp direction'), source.size);
  const samples = new Map(sets.map(({ label }) => [label, { forward: [] as number[], gradient: [] as number[], hvp: [] as number[] }]));

  for (let repetition = 0; repetition <= repeats; repetition++) {
    for (const { label, kernels } of sets) {
      useKernelSet(backendName, kernels, allSets);
      const forward = await timeOnce(() => source.loss());
      const gradient = await timeOnce(() => source.gradient());
      const hvp = await timeOnce(() => source.exactHvp(vector));
      // The first repetition warms up each set.
      if (repetition > 0) {
        const entry = samples.get(label)!;
        entry.forward.push(forward);
        entry.gradient.push(gradient);
        entry.hvp.push(hvp);
      }
    }
  }
  useKernelSet(backendName, allSets.current, allSets);
  return new Map(
    [...samples.entries()].map(([label, entry]) => [
      label,
      { forwardMs: median(entry.forward), gradientMs: median(entry.gradient), hvpMs: median(entry.hvp) },
    ]),
  );
}

/** GFLOP/s of a float32 n×n×n matrix product on the active backend, median of `repeats`. */
function backendMatMulRate(n: number, repeats: number): number {
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  const times: number[] = [];
  for (let run = 0; run <= repeats; run++) {
    // A fresh b each time, as a Hessian-vector product never multiplies by the same tensor twice.
    const fresh = tf.clone(b).add(0);
    const start = performance.now();
    const product = tf.matMul(a, fresh);
    product.dataSync();
    const elapsed = performance.now() - start;
    product.dispose();
    fresh.dispose();
    if (run > 0) {
      times.push(elapsed);
    }
  }
  a.dispose();
  b.dispose();
  return (2 * n ** 3) / median(times) / 1e6;
}

/** Measures numpy's float32 matmul rate with python3 in a child process; returns the reason instead when python3 or numpy is missing. */
function numpyMatMulRate(): { gflops: number; n: number; numpy: string } | { skipped: string } {
  const script = [
    'import time, numpy as np',
    'n = 2048',
    'rng = np.random.default_rng(0)',
    'a = rng.standard_normal((n, n), dtype=np.float32); b = rng.standard_normal((n, n), dtype=np.float32)',
    'a @ b',
    'times = []',
    'for _ in range(9):',
    '    t = time.perf_counter(); a @ b; times.append(time.perf_counter() - t)',
    'times.sort()',
    'print(n, 2 * n**3 / times[len(times) // 2] / 1e9, np.__version__)',
  ].join('\n');
  const result = spawnSync('python3', ['-c', script], { encoding: 'utf8', timeout: 120_000 });
  if (result.error !== undefined || result.status !== 0) {
    const reason = result.error?.message ?? result.stderr.trim().split('\n').pop() ?? `exit status ${result.status}`;
    return { skipped: `numpy's rate was not measured: ${reason}` };
  }
  const [n, gflops, version] = result.stdout.trim().split(/\s+/);
  return { gflops: Number(gflops), n: Number(n), numpy: version };
}

interface ModelResult {
  model: string;
  samples: number;
  parameters: number;
  nominalGflop: { forward: number; gradient: number; hvp: number };
  profiledHvpGflop: number;
  timings: Record<string, Timings & { hvpOverGradient: number; hvpOverForward: number; hvpGflops: number }>;
}

interface BackendResult {
  backend: string;
  backendMatMulGflops: number;
  models: ModelResult[];
  kernels: KernelTiming[];
  /** Conv2D on the shapes of the double backward (wasm only). */
  convolutionRates: Array<{ label: string; ms: number; gflops: number }>;
}

async function main(): Promise<void> {
  const backends = (option('backends', 'wasm,cpu') ?? '').split(',');
  const revision = option('baseline', null);
  const repeats = Number(option('repeats', '5'));
  const modelNames = (option('models', 'lenet256,lenet1000,mlp') ?? '').split(',');
  const startLoad = os.loadavg()[0];
  const context = benchmarkContext();
  const baseline = revision === null ? null : await loadBaselineKernels(revision);
  const numpy = numpyMatMulRate();
  const results: BackendResult[] = [];
  const lines: string[] = [];

  for (const backendName of backends) {
    await selectBackend(backendName as 'wasm' | 'cpu');
    installGradientFixes();
    const allSets: BackendKernelSets = {
      current: currentKernels(backendName),
      baseline: baseline === null ? null : baseline[backendName as 'wasm' | 'cpu'],
    };
    const sets = [{ label: 'new', kernels: allSets.current }];
    if (allSets.baseline !== null) {
      sets.unshift({ label: `baseline ${baseline!.commit}`, kernels: allSets.baseline });
    }

    const backendMatMulGflops = backendMatMulRate(backendName === 'wasm' ? 1024 : 512, repeats);
    const models: ModelResult[] = [];
    for (const modelName of modelNames) {
      const modelCase = MODEL_CASES[modelName];
      if (modelCase === undefined) {
        throw new Error(`Unknown model '${modelName}'; use lenet256, lenet1000 or mlp.`);
      }
      const problem = await modelCase.build();
      const direction = splitIntoTensors(problem.layout, normalVector(createRandom(3, 'hvp direction'), problem.layout.size));
      const profiledHvpGflop = (await profiledHvpFlops(problem, direction)) / 1e9;
      direction.forEach((tensor) => tensor.dispose());
      const nominal = nominalFlops(problem.model, problem.samples);
      const timings = await timeModel(problem, backendName, sets, allSets, repeats);

      models.push({
        model: modelCase.name,
        samples: problem.samples,
        parameters: problem.layout.size,
        nominalGflop: { forward: nominal.forward / 1e9, gradient: nominal.gradient / 1e9, hvp: nominal.hvp / 1e9 },
        profiledHvpGflop,
        timings: Object.fromEntries(
          [...timings.entries()].map(([label, timing]) => [
            label,
            {
              ...timing,
              hvpOverGradient: timing.hvpMs / timing.gradientMs,
              hvpOverForward: timing.hvpMs / timing.forwardMs,
              hvpGflops: nominal.hvp / timing.hvpMs / 1e6,
            },
          ]),
        ),
      });
      problem.batches.forEach((batch) => {
        batch.inputs.dispose();
        batch.targets.dispose();
      });
      problem.model.dispose();
    }
    const kernels = measureKernels(backendName, allSets.baseline, repeats);
    const convolutionRates = backendName === 'wasm' ? measureConvolutionRates(backendName, repeats) : [];
    results.push({ backend: backendName, backendMatMulGflops, models, kernels, convolutionRates });

    lines.push(`### ${backendName}`, '');
    lines.push(`Own float32 matrix product (${backendName === 'wasm' ? '1024' : '512'}³): ${backendMatMulGflops.toFixed(1)} GFLOP/s.`, '');
    lines.push('| model | kernels | forward ms | gradient ms | HVP ms | HVP/gradient | HVP/forward | HVP GFLOP/s | HVP GFLOP (nominal / profiled) |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const model of models) {
      for (const [label, timing] of Object.entries(model.timings)) {
        lines.push(
          `| ${model.model} | ${label} | ${timing.forwardMs.toFixed(1)} | ${timing.gradientMs.toFixed(1)} | ${timing.hvpMs.toFixed(1)} | ` +
            `${timing.hvpOverGradient.toFixed(2)} | ${timing.hvpOverForward.toFixed(1)} | ${timing.hvpGflops.toFixed(2)} | ` +
            `${model.nominalGflop.hvp.toFixed(3)} / ${model.profiledHvpGflop.toFixed(3)} |`,
        );
      }
    }
    lines.push('', ...kernelTable(backendName, kernels), '');
    if (convolutionRates.length > 0) {
      lines.push(`| ${backendName} Conv2D | ms | GFLOP/s |`, '| --- | --- | --- |');
      convolutionRates.forEach((rate) => lines.push(`| ${rate.label} | ${rate.ms.toFixed(2)} | ${rate.gflops.toFixed(1)} |`));
      lines.push('');
    }
  }

  const endLoad = os.loadavg()[0];
  const numpyLine =
    'skipped' in numpy
      ? numpy.skipped
      : `numpy ${numpy.numpy} float32 matmul (${numpy.n}³, numpy's default BLAS threads): ${numpy.gflops.toFixed(1)} GFLOP/s.`;
  const mlpRates = results.flatMap((result) =>
    result.models
      .filter((model) => model.model.startsWith('MLP'))
      .map((model) => ({ backend: result.backend, gflops: model.timings.new.hvpGflops })),
  );
  console.log(
    `HVP throughput. ${context.cpu}, ${context.cores} cores; Node ${context.node}; TensorFlow.js ${tf.version.tfjs}; ` +
      `commit ${context.commit}; ${context.date}; load average ${startLoad.toFixed(2)} at the start, ${endLoad.toFixed(2)} at the end; ` +
      `medians of ${repeats} repetitions.`,
  );
  console.log();
  console.log(numpyLine);
  if (!('skipped' in numpy)) {
    for (const { backend, gflops } of mlpRates) {
      console.log(`MLP HVP on ${backend}: ${gflops.toFixed(2)} GFLOP/s, ${((100 * gflops) / numpy.gflops).toFixed(1)}% of numpy's rate.`);
    }
  }
  console.log();
  console.log(lines.join('\n'));
  const file = writeResult('hvpThroughput', {
    tfjs: tf.version.tfjs,
    loadAverage: { start: startLoad, end: endLoad },
    repeats,
    baseline: baseline?.commit ?? null,
    flopCount:
      'per Dense or Conv2D layer F = 2·samples·(output elements per sample)·(fan-in); forward 1·F, gradient 3·F, HVP 9·F, first layer 2·F and 4·F',
    numpy,
    backends: results,
  });
  console.log(`Results: ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

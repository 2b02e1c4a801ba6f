/**
 * Peak memory of an analysis of a model with about 2.4 million parameters,
 * with the Lanczos vectors in float64 and in float32, each in a process of its
 * own so that the peaks do not mix. Also reports how far the float32 run's
 * eigenvalues moved, which is the accuracy cost of the lower-memory mode.
 *
 * Run: npx tsx bench/peakMemory.ts
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { analyzeModel } from '../src/engine/analyze';
import type { Report } from '../src/engine/report';
import { saveLayersModel } from '../test/engine/analysisFixtures';
import { benchmarkHeader, writeResult } from './benchmarkRecord';

const DATA = path.join(__dirname, '..', 'examples', 'mnist-1k', 'mnist-1k.npz');
const STEPS = 90;

/** Child mode: analyse the model with one basis precision and print the peak RSS and the report's eigenvalues as JSON. */
async function measure(modelFile: string, precision: 'float64' | 'float32'): Promise<void> {
  const report = await analyzeModel({
    modelPath: modelFile,
    data: { path: DATA },
    loss: 'sparse_categorical_crossentropy',
    backend: 'wasm',
    settings: {
      samples: 256,
      batchSize: 128,
      lanczosSteps: STEPS,
      densitySteps: STEPS,
      densityRuns: 1,
      traceProbes: 10,
      perLayer: false,
      slicePoints: 0,
      workers: 1,
      basisPrecision: precision,
    },
  });
  const peakMegabytes = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ precision, peakMegabytes, report: pick(report) }));
}

function pick(report: Report): Pick<Report, 'eigenvalues' | 'trace' | 'elapsedMs'> & { parameters: number } {
  return { eigenvalues: report.eigenvalues, trace: report.trace, elapsedMs: report.elapsedMs, parameters: report.model.numParameters };
}

async function main(): Promise<void> {
  if (process.argv[2] === 'measure') {
    await measure(process.argv[3], process.argv[4] as 'float64' | 'float32');
    return;
  }

  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'hessian-memory-'));
  try {
    await tf.setBackend('cpu');
    const model = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [28, 28, 1] }),
        tf.layers.dense({ units: 1536, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }),
        tf.layers.dense({ units: 768, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 2 }) }),
        tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }),
      ],
    });
    const modelFile = await saveLayersModel(model, folder, 'wide-mlp');

    const runs: Array<{ precision: string; peakMegabytes: number; report: ReturnType<typeof pick> }> = [];
    for (const precision of ['float64', 'float32']) {
      const output = execFileSync(process.execPath, [...process.execArgv, __filename, 'measure', modelFile, precision], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      runs.push(JSON.parse(output.trim().split('\n').pop() as string));
    }

    const [double, single] = runs;
    const scale = Math.abs(double.report.eigenvalues.top[0]);
    const moved = (a: number[], b: number[]): number => Math.max(...a.map((value, i) => Math.abs(value - b[i]) / scale));
    const basisMegabytes = (bytes: number): string => ((STEPS * double.report.parameters * bytes) / 1024 ** 2).toFixed(0);

    console.log(benchmarkHeader('wasm', `MLP 784-1536-768-10 (${double.report.parameters} parameters), 256 samples, ${STEPS} Lanczos steps, 1 worker`));
    console.log('| basis | Lanczos vectors (MiB, 8·m·n or 4·m·n) | peak RSS (MiB) | wall time (s) | λmax | λmin |');
    console.log('|---|---|---|---|---|---|');
    for (const [run, bytes] of [[double, 8], [single, 4]] as const) {
      console.log(
        `| ${run.precision} | ${basisMegabytes(bytes)} | ${run.peakMegabytes.toFixed(0)} | ${(run.report.elapsedMs / 1000).toFixed(1)} | ` +
          `${run.report.eigenvalues.top[0].toPrecision(6)} | ${run.report.eigenvalues.bottom[0].toPrecision(6)} |`,
      );
    }
    console.log(
      `\nfloat32 basis: top-5 moved by at most ${moved(single.report.eigenvalues.top, double.report.eigenvalues.top).toExponential(1)}·λmax, ` +
        `bottom-5 by ${moved(single.report.eigenvalues.bottom, double.report.eigenvalues.bottom).toExponential(1)}·λmax, ` +
        `trace by ${(Math.abs(single.report.trace.estimate - double.report.trace.estimate) / Math.abs(double.report.trace.estimate)).toExponential(1)} (relative).`,
    );
    writeResult('peak-memory', runs);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

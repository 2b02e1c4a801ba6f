/**
 * Speed-up of Hessian-vector products from splitting the samples over worker
 * threads: one HVP of the trained LeNet on 1,000 samples with 1 worker (this
 * thread) and with 2 workers, alternating in one run, median of several
 * repetitions; and the two products' agreement.
 *
 * It also measures what the hardware allows: one process computing HVPs on
 * 500 samples alone, then two such processes at once. Two cores that share
 * caches and memory bandwidth slow each other down, which bounds the speed-up
 * of any split below 2.
 *
 * Run: npx tsx bench/parallelSpeedup.ts [repetitions] [batch size] (defaults 5 and 256)
 */
import { spawn } from 'node:child_process';

import { prepareAnalysis, problemData } from '../src/engine/analysis/prepareAnalysis';
import type { ProductSource } from '../src/engine/hvp/productSource';
import { relativeDifference } from '../src/engine/hvp/verifyExactHvp';
import { createRandom, normalVector } from '../src/engine/linalg/random';
import { createProductSource } from '../src/engine/parallel/createProductSource';
import { installGradientFixes, selectBackend } from '../src/engine/tfjs';
import { benchmarkHeader, writeResult } from './benchmarkRecord';

const MODEL = 'examples/lenet/mnist.json';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function productSource(samples: number, workers: number, batchSize: number): Promise<ProductSource> {
  const backend = await selectBackend('auto');
  installGradientFixes();
  const prepared = await prepareAnalysis({ modelPath: MODEL, settings: { samples } });
  const created = await createProductSource(prepared.model, problemData(prepared.fitted), {
    workers,
    batchSize,
    backend: backend.name,
    modelPath: MODEL,
    outputIndex: prepared.outputIndex,
    loss: prepared.loss,
  });
  return created.source;
}

async function timeProducts(source: ProductSource, repetitions: number): Promise<number[]> {
  const vector = normalVector(createRandom(1), source.size);
  await source.exactHvp(vector);
  const times: number[] = [];
  for (let repetition = 0; repetition < repetitions; repetition++) {
    const start = performance.now();
    await source.exactHvp(vector);
    times.push(performance.now() - start);
  }
  return times;
}

/** Child mode: median HVP time on 500 samples in one thread, printed as a number. */
async function solo(repetitions: number, batchSize: number): Promise<void> {
  const source = await productSource(500, 1, batchSize);
  console.log(median(await timeProducts(source, repetitions)));
  await source.dispose();
}

function runSolo(repetitions: number, batchSize: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, __filename, '--solo', String(repetitions), String(batchSize)], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', () => resolve(Number(output.trim().split('\n').pop())));
  });
}

async function main(): Promise<void> {
  if (process.argv[2] === '--solo') {
    await solo(Number(process.argv[3]), Number(process.argv[4]));
    return;
  }
  const repetitions = Number(process.argv[2] ?? 5);
  const batchSize = Number(process.argv[3] ?? 256);

  const sources: Record<number, ProductSource> = { 1: await productSource(1000, 1, batchSize), 2: await productSource(1000, 2, batchSize) };
  const vector = normalVector(createRandom(1), sources[1].size);
  const difference = relativeDifference(await sources[2].exactHvp(vector), await sources[1].exactHvp(vector));
  const times: Record<number, number[]> = { 1: [], 2: [] };
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const workers of [1, 2]) {
      times[workers].push(...(await timeProducts(sources[workers], 1)));
    }
  }
  for (const source of Object.values(sources)) {
    await source.dispose();
  }

  const alone = await runSolo(repetitions, batchSize);
  const together = await Promise.all([runSolo(repetitions, batchSize), runSolo(repetitions, batchSize)]);
  const slowdown = (together[0] + together[1]) / 2 / alone;

  const single = median(times[1]);
  const double = median(times[2]);
  console.log(benchmarkHeader('wasm', `LeNet HVP on 1,000 samples, batch ${batchSize}, median of ${repetitions}`));
  console.log('| workers | HVP (ms) | speed-up |');
  console.log('|---|---|---|');
  console.log(`| 1 | ${single.toFixed(0)} | 1.00 |`);
  console.log(`| 2 | ${double.toFixed(0)} | ${(single / double).toFixed(2)} |`);
  console.log(`\nRelative difference between the two products: ${difference.toExponential(1)}`);
  console.log(
    `Hardware bound: one process alone takes ${alone.toFixed(0)} ms per HVP on 500 samples, two processes at once ` +
      `${together.map((value) => value.toFixed(0)).join(' and ')} ms, a slowdown of ${slowdown.toFixed(2)}×, ` +
      `so no split can pass a speed-up of ${(2 / slowdown).toFixed(2)}.`,
  );
  writeResult('parallel-speedup', { batchSize, times, speedup: single / double, difference, alone, together, bound: 2 / slowdown });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

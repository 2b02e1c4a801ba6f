/**
 * Speed-up of Hessian-vector products from splitting the samples over worker
 * threads: one HVP of the trained LeNet on 1,000 samples with 1 worker (this
 * thread) and with 2 workers, alternating in one run, median of several
 * repetitions. Also checks that the two agree within float32 rounding.
 *
 * Run: npx tsx bench/parallelSpeedup.ts [repetitions] (default 5)
 */
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

async function main(): Promise<void> {
  const repetitions = Number(process.argv[2] ?? 5);
  const backend = await selectBackend('auto');
  installGradientFixes();
  const prepared = await prepareAnalysis({ modelPath: MODEL, settings: { samples: 1000 } });
  const sources: Record<number, ProductSource> = {};
  for (const workers of [1, 2]) {
    const created = await createProductSource(prepared.model, problemData(prepared.fitted), {
      workers,
      batchSize: 256,
      backend: backend.name,
      modelPath: MODEL,
      outputIndex: prepared.outputIndex,
      loss: prepared.loss,
    });
    sources[workers] = created.source;
  }

  const vector = normalVector(createRandom(1), sources[1].size);
  const products: Record<number, Float64Array> = {};
  const times: Record<number, number[]> = { 1: [], 2: [] };
  for (const workers of [1, 2]) {
    products[workers] = await sources[workers].exactHvp(vector);
  }
  for (let repetition = 0; repetition < repetitions; repetition++) {
    for (const workers of [1, 2]) {
      const start = performance.now();
      await sources[workers].exactHvp(vector);
      times[workers].push(performance.now() - start);
    }
  }
  for (const source of Object.values(sources)) {
    await source.dispose();
  }

  const single = median(times[1]);
  const double = median(times[2]);
  const difference = relativeDifference(products[2], products[1]);
  console.log(benchmarkHeader(backend.name, `LeNet HVP on 1,000 samples, batch 256, median of ${repetitions}`));
  console.log('| workers | HVP (ms) | speed-up |');
  console.log('|---|---|---|');
  console.log(`| 1 | ${single.toFixed(0)} | 1.00 |`);
  console.log(`| 2 | ${double.toFixed(0)} | ${(single / double).toFixed(2)} |`);
  console.log(`\nRelative difference between the two products: ${difference.toExponential(1)}`);
  writeResult('parallel-speedup', { backend: backend.name, times, speedup: single / double, difference });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

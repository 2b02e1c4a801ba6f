/**
 * Hessian-vector products that Lanczos and power iteration need for λmax to a
 * relative tolerance of 1e-3, and for the top 5 eigenvalues, on the real
 * trained LeNet. Counts, not seconds, so the result does not depend on the
 * machine's load. A 150-step Lanczos run is the reference for the accuracy
 * each method reached.
 *
 * Run: npx tsx bench/lanczosVsPower.ts [samples] (default 256)
 */
import { prepareAnalysis, problemData } from '../src/engine/analysis/prepareAnalysis';
import { HessianProducts } from '../src/engine/hvp/hessianProducts';
import { lanczos } from '../src/engine/linalg/lanczos';
import type { SymmetricOperator } from '../src/engine/linalg/operator';
import { powerIteration } from '../src/engine/linalg/power';
import { densityStartVector } from '../src/engine/linalg/slq';
import { createProductSource } from '../src/engine/parallel/createProductSource';
import { installGradientFixes, selectBackend } from '../src/engine/tfjs';
import { benchmarkHeader, writeResult } from './benchmarkRecord';

const MODEL = 'examples/lenet/mnist.json';
const TOLERANCE = 1e-3;

async function main(): Promise<void> {
  const samples = Number(process.argv[2] ?? 256);
  const backend = await selectBackend('auto');
  installGradientFixes();
  const prepared = await prepareAnalysis({ modelPath: MODEL, settings: { samples } });
  const { source } = await createProductSource(prepared.model, problemData(prepared.fitted), {
    workers: 0,
    batchSize: 256,
    backend: backend.name,
    modelPath: MODEL,
    outputIndex: prepared.outputIndex,
    loss: prepared.loss,
  });
  const products = new HessianProducts(source, 'exact');
  const operator: SymmetricOperator = { size: products.size, apply: (vector) => products.apply(vector) };
  const start = densityStartVector(0, 0, products.size);

  const reference = await lanczos(operator, { maxSteps: 150, topK: 5, bottomK: 1, stopWhenConverged: false, startVector: start });
  const truth = reference.top.map((pair) => pair.value);
  const relativeErrors = (values: number[]): string =>
    values.map((value, i) => (Math.abs(value - truth[i]) / Math.abs(truth[0])).toExponential(1)).join(', ');

  const rows: Array<{ method: string; target: string; products: number; converged: boolean; errors: string }> = [];
  for (const topK of [1, 5]) {
    const target = topK === 1 ? 'λmax' : 'top 5';

    const fromLanczos = await lanczos(operator, { maxSteps: 150, topK, bottomK: 0, tolerance: TOLERANCE, startVector: start });
    rows.push({
      method: 'Lanczos (residual ≤ 1e-3·|λmax|)',
      target,
      products: fromLanczos.operatorApplications,
      converged: fromLanczos.converged,
      errors: relativeErrors(fromLanczos.top.slice(0, topK).map((pair) => pair.value)),
    });

    for (const rule of ['PyHessian rule', 'residual rule'] as const) {
      const fromPower = await powerIteration(operator, {
        topK,
        maxIterations: 300,
        tolerance: TOLERANCE,
        residualTolerance: rule === 'PyHessian rule' ? Infinity : TOLERANCE,
        seed: 0,
      });
      const values = fromPower.pairs.map((pair) => pair.value).sort((a, b) => b - a);
      rows.push({
        method: `Power iteration (${rule})`,
        target,
        products: fromPower.operatorApplications,
        converged: fromPower.converged,
        errors: relativeErrors(values),
      });
    }
  }
  await source.dispose();

  console.log(benchmarkHeader(backend.name, `LeNet, ${samples} samples, ${source.samples} used`));
  console.log(`Reference top 5 (Lanczos, 150 steps): ${truth.map((value) => value.toPrecision(6)).join(', ')}\n`);
  console.log('| method | target | HVPs | converged | relative error per value |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) {
    console.log(`| ${row.method} | ${row.target} | ${row.products} | ${row.converged} | ${row.errors} |`);
  }
  writeResult('lanczos-vs-power', { samples, backend: backend.name, reference: truth, rows });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * Times the per-layer curvature of the trained LeNet on the 1,000-sample MNIST
 * set with two kinds of block product, in one process on the same product
 * source. The first is double backprop restricted to each layer's weights,
 * which the engine uses once the check passes. The second is the full product
 * of the embedded vector. Both
 * run the same Lanczos steps from the same starts, so their results must
 * agree to rounding; the ratio of their times is the saving.
 *
 * Run: npx tsx bench/layerProducts.ts [workers] (default 0: one per core)
 */
import { computeLayerCurvature } from '../src/engine/analysis/layerCurvature';
import { disposePreparedAnalysis, prepareAnalysis, problemData } from '../src/engine/analysis/prepareAnalysis';
import { verifyBlockProducts } from '../src/engine/analysis/verifyBlockProducts';
import { HessianProducts } from '../src/engine/hvp/hessianProducts';
import { layoutParameters } from '../src/engine/hvp/parameters';
import { createProductSource } from '../src/engine/parallel/createProductSource';
import type { LayerCurvature } from '../src/engine/report';
import { installGradientFixes, selectBackend } from '../src/engine/tfjs';
import { benchmarkHeader, writeResult } from './benchmarkRecord';

const MODEL = 'examples/lenet/mnist.json';
const STEPS = 30;

async function main(): Promise<void> {
  const workers = Number(process.argv[2] ?? 0);
  const backend = await selectBackend('auto');
  installGradientFixes();
  const prepared = await prepareAnalysis({ modelPath: MODEL, settings: { samples: 1000, workers } });
  const { source } = await createProductSource(prepared.model, problemData(prepared.fitted), {
    workers,
    batchSize: prepared.settings.batchSize,
    backend: backend.name,
    modelPath: MODEL,
    outputIndex: prepared.outputIndex,
    loss: prepared.loss,
  });

  try {
    const products = new HessianProducts(source, 'exact');
    const { checks } = await verifyBlockProducts(prepared, products);
    const checked = new Set(products.restrictedBlocks);
    const blocks = layoutParameters(prepared.model).blocks;
    // The block traces come from the trace phase, which this benchmark does not time.
    const noTraces = blocks.map(() => ({ mean: 0, standardError: null }));

    const run = async (restricted: boolean): Promise<{ seconds: number; layers: LayerCurvature[] }> => {
      products.restrictedBlocks = restricted ? new Set(checked) : new Set();
      const started = performance.now();
      const layers = await computeLayerCurvature(products, blocks, noTraces, { steps: STEPS, tolerance: 1e-2, negativeTolerance: 1e-3, seed: 0 });
      return { seconds: (performance.now() - started) / 1000, layers };
    };
    const restricted = await run(true);
    const full = await run(false);

    let largestDifference = 0;
    restricted.layers.forEach((layer, index) => {
      const other = full.layers[index];
      const scale = Math.abs(other.lambdaMax ?? 1);
      largestDifference = Math.max(largestDifference, Math.abs((layer.lambdaMax ?? 0) - (other.lambdaMax ?? 0)) / scale);
    });

    console.log(benchmarkHeader(backend.name, `Per-layer curvature of the LeNet, 1,000 samples, ${STEPS} steps per layer, workers ${workers === 0 ? 'one per core' : workers}`));
    console.log('| block products | time (s) |');
    console.log('|---|---|');
    console.log(`| restricted to the layer | ${restricted.seconds.toFixed(1)} |`);
    console.log(`| full product of the embedded vector | ${full.seconds.toFixed(1)} |`);
    console.log();
    console.log(`Speed-up ${(full.seconds / restricted.seconds).toFixed(2)}×; largest relative difference of a layer λmax ${largestDifference.toExponential(1)}; ` +
      `check on ${checks.length} layers, largest difference ${Math.max(...checks.map((check) => check.relativeDifference)).toExponential(1)}.`);
    console.log(`Results: ${writeResult('layerProducts', { workers, steps: STEPS, restricted: restricted.seconds, full: full.seconds, largestDifference, checks })}`);
  } finally {
    await source.dispose();
    disposePreparedAnalysis(prepared);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/**
 * Wall time of a full report on the trained LeNet with the 1,000-sample MNIST
 * set, through the same engine call as the CLI: once with the default
 * settings and once with exactly the estimates the speed aim lists (λmax,
 * λmin and the top 5, the trace, one SLQ run of 90 steps, per-layer
 * curvature), which shares one Krylov space between the eigenvalues, the
 * density and the trace.
 *
 * Run: npx tsx bench/fullReport.ts [workers] (default 0: one per core)
 */
import { analyzeModel } from '../src/engine/analyze';
import type { AnalysisSettings, Report } from '../src/engine/report';
import { benchmarkHeader, writeResult } from './benchmarkRecord';

const MODEL = 'examples/lenet/mnist.json';

async function main(): Promise<void> {
  const workers = Number(process.argv[2] ?? 0);
  const configurations: Array<{ name: string; settings: Partial<AnalysisSettings> }> = [
    { name: 'defaults', settings: { workers } },
    {
      name: 'aim list: top 5, trace, SLQ 1×90, per layer',
      settings: { workers, densityRuns: 1, densitySteps: 90, lanczosSteps: 90, traceProbes: 30, slicePoints: 0 },
    },
    {
      name: 'aim list, 20 steps per layer',
      settings: { workers, densityRuns: 1, densitySteps: 90, lanczosSteps: 90, traceProbes: 30, slicePoints: 0, layerSteps: 20 },
    },
  ];

  const rows: Array<{ name: string; report: Report }> = [];
  for (const configuration of configurations) {
    const report = await analyzeModel({ modelPath: MODEL, settings: { samples: 1000, ...configuration.settings } });
    rows.push({ name: configuration.name, report });
  }

  console.log(benchmarkHeader(rows[0].report.backend, `Full LeNet report, 1,000 MNIST samples, workers ${workers === 0 ? 'one per core' : workers}`));
  console.log('| settings | HVPs | wall time (s) | s per HVP | λmax | λmin | trace ± SE | layer λmin (min over layers) | phases (s) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const { name, report } of rows) {
    const phases = Object.entries(report.phaseMs)
      .map(([phase, ms]) => `${phase} ${((ms as number) / 1000).toFixed(1)}`)
      .join(', ');
    console.log(
      `| ${name} | ${report.hvp.count} | ${(report.elapsedMs / 1000).toFixed(1)} | ${(report.elapsedMs / 1000 / report.hvp.count).toFixed(3)} | ` +
        `${report.eigenvalues.top[0].toPrecision(4)} | ${report.eigenvalues.bottom[0].toPrecision(4)} | ` +
        `${report.trace.estimate.toPrecision(4)} ± ${report.trace.standardError.toPrecision(2)} | ` +
        `${Math.min(...report.layers.map((layer) => layer.lambdaMin ?? Infinity)).toPrecision(3)} | ${phases} |`,
    );
  }
  writeResult('full-report', rows.map(({ name, report }) => ({ name, elapsedMs: report.elapsedMs, phaseMs: report.phaseMs, hvpCount: report.hvp.count, settings: report.settings })));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * Latency of the language server's code lens responses while an analysis runs:
 * the built server (dist/server.js) over IPC, a full-size analysis of the
 * trained LeNet on 1,000 samples started, then 100 code lens requests 50 ms
 * apart while it runs; the analysis is cancelled afterwards. The aim is under
 * 200 ms.
 *
 * Run: npx tsx bench/codeLensLatency.ts
 */
import { AnalysisFinishedNotification, AnalysisProgressNotification, AnalyzeRequest, CancelRequest } from '../src/protocol';
import { LspSession, ensureServerBundle } from '../test/server/lspSession';
import { createWorkspace, SMALL_SETTINGS } from '../test/server/workspaceFixture';
import { benchmarkHeader, writeResult } from './benchmarkRecord';

const REQUESTS = 100;

function percentile(sorted: number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
}

async function main(): Promise<void> {
  ensureServerBundle();
  const workspace = createWorkspace();
  const settings = { ...SMALL_SETTINGS, samples: 1000, batchSize: 256, lanczosSteps: 80, densityRuns: 3, densitySteps: 90, traceProbes: 60, workers: 0 };
  const session = await LspSession.start({ workspace: workspace.root, storage: workspace.storage, settings });
  try {
    const result = await session.connection.sendRequest(AnalyzeRequest, { modelPath: workspace.trainedModel });
    if (result.outcome !== 'started') {
      throw new Error(`The analysis did not start: ${JSON.stringify(result)}`);
    }
    await session.waitFor(AnalysisProgressNotification, (params) => params.analysisId === result.analysisId && params.event.phase !== 'loading');

    const latencies: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const started = performance.now();
      await session.codeLenses(workspace.trainedModel);
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const finishedEarly = session.received(AnalysisFinishedNotification).some((params) => params.analysisId === result.analysisId);
    await session.connection.sendRequest(CancelRequest, { modelPath: workspace.trainedModel });

    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(benchmarkHeader(String(settings.backend), `Code lens latency during a LeNet analysis (1,000 samples), ${REQUESTS} requests 50 ms apart`));
    console.log('| median (ms) | 95th percentile (ms) | max (ms) | analysis still running at the end |');
    console.log('|---|---|---|---|');
    console.log(
      `| ${percentile(sorted, 0.5).toFixed(1)} | ${percentile(sorted, 0.95).toFixed(1)} | ${sorted[sorted.length - 1].toFixed(1)} | ${!finishedEarly} |`,
    );
    writeResult('code-lens-latency', { latencies, finishedEarly });
  } finally {
    await session.stop();
    workspace.remove();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

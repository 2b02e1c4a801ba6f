/**
 * The language server as a client sees it: the built bundle (dist/server.js)
 * started over IPC, real LSP messages, real analyses of the trained and the
 * untrained LeNet on the MNIST sample in worker threads.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { FileChangeType, type CodeLens, type Diagnostic } from 'vscode-languageserver-protocol';

import type { Report } from '../../src/engine/report';
import {
  AnalysisCancelledNotification,
  AnalysisFailedNotification,
  AnalysisFinishedNotification,
  AnalysisProgressNotification,
  AnalysisStartedNotification,
  AnalyzeRequest,
  CancelRequest,
  DescribeDataFileRequest,
  DescribeModelRequest,
  DescribeTextColumnsRequest,
  GetReportRequest,
  LinkDatasetRequest,
  ListDataFilesRequest,
  ModelFilesNotification,
  PartialReportNotification,
  type AnalyzeResult,
} from '../../src/protocol';
import { REPO_ROOT } from '../realFiles';
import { LspSession, ensureServerBundle, uriOf, waitUntil } from './lspSession';
import { SMALL_SETTINGS, createWorkspace, type WorkspaceFixture } from './workspaceFixture';

function titles(lenses: CodeLens[]): string[] {
  return lenses.map((lens) => lens.command?.title ?? '');
}

function lensesOnLine(lenses: CodeLens[], line: number): CodeLens[] {
  return lenses.filter((lens) => lens.range.start.line === line);
}

function messageOf(diagnostic: Diagnostic | undefined): string {
  const message = diagnostic?.message ?? '';
  return typeof message === 'string' ? message : message.value;
}

function codes(diagnostics: Diagnostic[] | undefined): string[] {
  return (diagnostics ?? []).map((diagnostic) => String(diagnostic.code));
}

/** Zero-based line of the first occurrence of `needle` in a file. */
function lineOf(file: string, needle: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(needle));
  assert.ok(index >= 0, `${needle} not found in ${file}`);
  return index;
}

async function analyzeToEnd(session: LspSession, modelPath: string): Promise<Report> {
  const result = await session.connection.sendRequest(AnalyzeRequest, { modelPath });
  assert.ok(result.outcome === 'started' || result.outcome === 'joined', `unexpected outcome ${JSON.stringify(result)}`);
  const ended = await waitUntil(
    () => {
      const failure = session.received(AnalysisFailedNotification).find((params) => params.analysisId === result.analysisId);
      const finished = session.received(AnalysisFinishedNotification).find((params) => params.analysisId === result.analysisId);
      return failure ?? finished;
    },
    `the end of analysis ${result.analysisId}`,
    300_000,
  );
  assert.ok('report' in ended, `the analysis failed: ${'message' in ended ? ended.message : ''}`);
  return ended.report;
}

function cacheFileEntries(storage: string, modelPath: string): number {
  const folder = path.join(storage, 'reports');
  for (const name of fs.readdirSync(folder)) {
    const content = JSON.parse(fs.readFileSync(path.join(folder, name), 'utf8')) as { modelPath: string; entries: unknown[] };
    if (content.modelPath === modelPath) {
      return content.entries.length;
    }
  }
  return 0;
}

describe('language server over LSP', function () {
  this.timeout(600_000);

  let workspace: WorkspaceFixture;
  let session: LspSession;
  let trainedReport: Report;

  before(async function () {
    ensureServerBundle();
    workspace = createWorkspace();
    session = await LspSession.start({ workspace: workspace.root, storage: workspace.storage, settings: { ...SMALL_SETTINGS } });
  });

  after(async function () {
    await session?.stop();
    workspace?.remove();
  });

  it('lists the workspace model files', async function () {
    const { uris } = await session.waitFor(ModelFilesNotification);

    for (const model of [workspace.trainedModel, workspace.untrainedModel, workspace.truncatedModel, workspace.unlinkedModel]) {
      assert.ok(uris.includes(uriOf(model)), `${model} missing from ${uris.join(', ')}`);
    }
    assert.ok(!uris.some((uri) => uri.endsWith('.hessian.json')), 'a sidecar was listed as a model');
    assert.ok(!uris.some((uri) => uri.includes('/data/')), 'a data file was listed as a model');
    assert.ok(!uris.includes(uriOf(workspace.brokenModel)), 'an unparsable JSON file was listed as a model');
  });

  it('asks for a dataset when none is linked', async function () {
    const result = await session.connection.sendRequest(AnalyzeRequest, { modelPath: workspace.unlinkedModel });

    assert.equal(result.outcome, 'needsDataset');
  });

  it('describes a model for linking', async function () {
    const linked = await session.connection.sendRequest(DescribeModelRequest, { modelPath: workspace.trainedModel });
    const unlinked = await session.connection.sendRequest(DescribeModelRequest, { modelPath: workspace.unlinkedModel });

    assert.deepEqual(linked, {
      format: 'tfjs-layers',
      loss: null,
      link: { data: path.join(workspace.root, 'data', 'x.npy'), labels: path.join(workspace.root, 'data', 'y.npy'), loss: 'sparse_categorical_crossentropy' },
      sidecarPath: path.join(path.dirname(workspace.trainedModel), 'mnist.hessian.json'),
    });
    assert.equal(unlinked.link, null);
  });

  it('lists and describes data files', async function () {
    const { paths } = await session.connection.sendRequest(ListDataFilesRequest);
    const csv = await session.connection.sendRequest(DescribeDataFileRequest, { path: workspace.csvData });
    const npy = await session.connection.sendRequest(DescribeDataFileRequest, { path: path.join(workspace.root, 'data', 'x.npy') });

    // The broken model.json is no model, so it is offered as JSON data.
    assert.deepEqual(paths.map((file) => path.relative(workspace.root, file)).sort(), ['broken/model.json', 'data/table.csv', 'data/x.npy', 'data/y.npy']);
    assert.deepEqual(csv, { kind: 'csv', columns: ['width', 'height, cm', 'label'] });
    assert.deepEqual(npy, { kind: 'npy', shape: [1000, 28, 28, 1], dtype: '<f4' });
  });

  it('lists text columns for linking', async function () {
    const abalone = path.join(REPO_ROOT, 'examples', 'abalone', 'abalone.csv');
    const { columns } = await session.connection.sendRequest(DescribeTextColumnsRequest, { path: abalone, labelColumn: 'rings' });
    assert.deepEqual(columns, { sex: ['M', 'F', 'I'] });

    await assert.rejects(
      session.connection.sendRequest(DescribeTextColumnsRequest, { path: workspace.csvData, labelColumn: 'missing' }),
      /table\.csv.*missing/,
    );
  });

  it('analyses the trained LeNet with progress', async function () {
    trainedReport = await analyzeToEnd(session, workspace.trainedModel);

    const phases = new Set(session.received(AnalysisProgressNotification).map((params) => params.event.phase));
    for (const phase of ['loading', 'eigenvalues', 'layers'] as const) {
      assert.ok(phases.has(phase), `phase ${phase} missing from ${[...phases].join(', ')}`);
    }
    assert.ok(session.received(PartialReportNotification).length > 0, 'no partial report arrived');
    assert.ok(trainedReport.eigenvalues.top[0] > 0, 'λmax of the trained LeNet is not positive');
    assert.equal(trainedReport.layers.length, 5);
  });

  it('shows lenses at the top of the model file', async function () {
    await session.open(workspace.trainedModel, 'json');
    const lenses = lensesOnLine(await session.codeLenses(workspace.trainedModel), 0);

    const summary = titles(lenses).find((title) => title.startsWith('λmax'));
    assert.ok(summary !== undefined, `no summary lens among ${titles(lenses).join(' | ')}`);
    assert.match(summary, /^λmax \S+ · λmin \S+ · trace \S+ ± \S+ · negative mass \d+\.\d%$/);
    const open = lenses.find((lens) => lens.command?.title === 'Open spectrum');
    assert.equal(open?.command?.command, 'hessianSpectrum.showSpectrum');
    assert.deepEqual(open?.command?.arguments, [workspace.trainedModel]);
  });

  it('shows a lens above each layer entry', async function () {
    const lenses = await session.codeLenses(workspace.trainedModel);

    for (const layer of trainedReport.layers) {
      const line = lineOf(workspace.trainedModel, `"name": "${layer.name}"`);
      const onLine = titles(lensesOnLine(lenses, line));
      assert.equal(onLine.length, 1, `lenses on line ${line} of ${layer.name}: ${onLine.join(' | ')}`);
      assert.match(onLine[0], new RegExp(`^${layer.name}: λmax \\S+ · trace \\S+ · negative \\d+\\.\\d%$`));
    }
  });

  it('flags negative curvature of the untrained LeNet', async function () {
    const report = await analyzeToEnd(session, workspace.untrainedModel);
    const uri = uriOf(workspace.untrainedModel);
    const diagnostics = await waitUntil(() => {
      const published = session.diagnostics.get(uri);
      return codes(published).includes('hessian.negative-curvature') ? published : undefined;
    }, 'negative-curvature diagnostic', 10_000);

    const negative = diagnostics.find((diagnostic) => diagnostic.code === 'hessian.negative-curvature');
    assert.ok(report.eigenvalues.bottom[0] < 0, `λmin ${report.eigenvalues.bottom[0]} is not negative`);
    assert.match(messageOf(negative), /λmin = −/);
    assert.match(negative?.codeDescription?.href ?? '', /diagnostics\.md#hessiannegative-curvature$/);
    assert.equal(negative?.source, 'Hessian Spectrum');
  });

  it('flags chance accuracy only where it applies', async function () {
    const untrained = await waitUntil(() => {
      const published = session.diagnostics.get(uriOf(workspace.untrainedModel));
      return codes(published).includes('hessian.chance-accuracy') ? published : undefined;
    }, 'chance-accuracy diagnostic on the untrained LeNet', 10_000);

    assert.ok(untrained.length > 0);
    assert.ok(!codes(session.diagnostics.get(uriOf(workspace.trainedModel))).includes('hessian.chance-accuracy'));
  });

  it('reports a truncated weight file', async function () {
    const result = await session.connection.sendRequest(AnalyzeRequest, { modelPath: workspace.truncatedModel });
    const failure =
      result.outcome === 'failed'
        ? result.failure
        : await session.waitFor(AnalysisFailedNotification, (params) => params.modelPath === workspace.truncatedModel);

    // The engine blames the manifest or the shard, whichever its check names;
    // the diagnostic must sit on that file and name the weight file.
    assert.equal(failure.kind, 'input');
    assert.ok(failure.file === workspace.truncatedWeights || failure.file === workspace.truncatedModel, `failure on ${failure.file}`);
    const diagnostics = await waitUntil(() => {
      const published = session.diagnostics.get(uriOf(failure.file as string));
      return codes(published).includes('hessian.analysis-failed') ? published : undefined;
    }, 'failure diagnostic on the file that caused it', 10_000);
    assert.match(messageOf(diagnostics[0]), /mnist\.weights\.bin/);
  });

  it('reports a broken model.json on that file', async function () {
    const result = await session.connection.sendRequest(AnalyzeRequest, { modelPath: workspace.brokenModel });
    const failure =
      result.outcome === 'failed'
        ? result.failure
        : await session.waitFor(AnalysisFailedNotification, (params) => params.modelPath === workspace.brokenModel);

    assert.equal(failure.kind, 'input');
    assert.equal(failure.file, workspace.brokenModel);
    await waitUntil(
      () => (codes(session.diagnostics.get(uriOf(workspace.brokenModel))).includes('hessian.analysis-failed') ? true : undefined),
      'failure diagnostic on the broken model.json',
      10_000,
    );
    assert.ok((await session.codeLenses(workspace.trainedModel)).length > 0, 'the server stopped answering after a failure');
  });

  it('flags a model the dialog cannot read', async function () {
    // A model without a sidecar goes to the dataset dialog, which reads it first.
    const unreadable = path.join(workspace.root, 'unlinked-broken', 'model.json');
    fs.mkdirSync(path.dirname(unreadable), { recursive: true });
    fs.writeFileSync(unreadable, '{"modelTopology": {"class_name": "Sequential", "config": ');

    await assert.rejects(session.connection.sendRequest(DescribeModelRequest, { modelPath: unreadable }), /model\.json/);
    const diagnostics = await waitUntil(() => {
      const published = session.diagnostics.get(uriOf(unreadable));
      return codes(published).includes('hessian.analysis-failed') ? published : undefined;
    }, 'failure diagnostic on the unreadable model', 10_000);
    assert.match(messageOf(diagnostics[0]), /JSON/);
  });

  it('shows layer and learning-rate lenses in Python', async function () {
    await session.open(workspace.pythonScript, 'python');
    const lenses = await session.codeLenses(workspace.pythonScript);

    assert.match(titles(lensesOnLine(lenses, 3))[0] ?? '', /^dense_Dense1: λmax \S+ · trace \S+ · negative \S+ \(mnist\.json/);
    assert.deepEqual(titles(lensesOnLine(lenses, 4)), [], 'a name that no model has got a lens');
    assert.deepEqual(titles(lensesOnLine(lenses, 6)), [], 'a commented-out learning rate got a lens');
    const rate = titles(lensesOnLine(lenses, 7));
    assert.ok(rate.length > 0 && rate.every((title) => /^2\/λmax = \S+ for mnist\.json.* · this learning rate is above it$/.test(title)), rate.join(' | '));
  });

  it('flags a learning rate above 2/λmax in Python', async function () {
    const diagnostics = await waitUntil(() => {
      const published = session.diagnostics.get(uriOf(workspace.pythonScript));
      return codes(published).includes('hessian.sharp-minimum') ? published : undefined;
    }, 'learning-rate diagnostic in train.py', 10_000);

    const rate = diagnostics.find((diagnostic) => diagnostic.range.start.line === 7);
    assert.equal(rate?.code, 'hessian.sharp-minimum');
    assert.match(messageOf(rate), /learning rate 5 from this line/);
  });

  it('shows layer and learning-rate lenses in TypeScript', async function () {
    await session.open(workspace.typeScriptScript, 'typescript');
    const lenses = await session.codeLenses(workspace.typeScriptScript);

    assert.match(titles(lensesOnLine(lenses, 2))[0] ?? '', /^dense_Dense3: λmax /);
    assert.ok(titles(lensesOnLine(lenses, 4)).some((title) => title.endsWith('this learning rate is below it')));
  });

  // The latency figure (aim under 200 ms) is measured by bench/codeLensLatency.ts;
  // this test checks that the answers come while the analysis still runs.
  it('answers code lenses during an analysis', async function () {
    // Another seed is another cache key, so this starts a real run.
    await session.changeSettings({ ...SMALL_SETTINGS, seed: 1 });
    const entriesBefore = cacheFileEntries(workspace.storage, workspace.trainedModel);

    const result: AnalyzeResult = await session.connection.sendRequest(AnalyzeRequest, { modelPath: workspace.trainedModel });
    assert.equal(result.outcome, 'started');
    const analysisId = result.outcome === 'started' ? result.analysisId : '';
    await session.waitFor(AnalysisStartedNotification, (params) => params.analysisId === analysisId);
    await session.waitFor(AnalysisProgressNotification, (params) => params.analysisId === analysisId && params.event.phase !== 'loading');

    const latencies: number[] = [];
    let running: string[] = [];
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      const lenses = await session.codeLenses(workspace.trainedModel);
      latencies.push(performance.now() - started);
      running = titles(lensesOnLine(lenses, 0));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(`      code lens latency during an analysis: median ${sorted[15].toFixed(1)} ms, max ${sorted[29].toFixed(1)} ms`);
    assert.equal(
      session.received(AnalysisFinishedNotification).filter((params) => params.analysisId === analysisId).length,
      0,
      'the analysis was still running when the last code lens answer came',
    );
    assert.ok(running.some((title) => title.startsWith('Hessian spectrum: analysing')), running.join(' | '));

    const cancelStarted = performance.now();
    const { cancelled } = await session.connection.sendRequest(CancelRequest, { modelPath: workspace.trainedModel });
    const cancelMs = performance.now() - cancelStarted;
    await session.waitFor(AnalysisCancelledNotification, (params) => params.analysisId === analysisId, 5000);
    console.log(`      cancel answered after ${cancelMs.toFixed(0)} ms`);
    assert.deepEqual(cancelled, [analysisId]);
    assert.ok(cancelMs < 1500, `cancel took ${cancelMs.toFixed(0)} ms`);
    assert.equal(cacheFileEntries(workspace.storage, workspace.trainedModel), entriesBefore, 'a cancelled run left a cache entry');
    assert.deepEqual(fs.readdirSync(path.join(workspace.storage, 'reports')).filter((name) => name.endsWith('.tmp')), []);

    await session.changeSettings({ ...SMALL_SETTINGS });
  });

  it('keeps reports across a server restart', async function () {
    await session.stop();
    const restarted = performance.now();
    session = await LspSession.start({ workspace: workspace.root, storage: workspace.storage, settings: { ...SMALL_SETTINGS } });
    await session.open(workspace.trainedModel, 'json');
    const summary = await waitUntil(async () => {
      const found = titles(await session.codeLenses(workspace.trainedModel)).find((title) => title.startsWith('λmax'));
      return found;
    }, 'summary lens after the restart', 30_000);
    const reloadMs = performance.now() - restarted;
    console.log(`      lenses back ${reloadMs.toFixed(0)} ms after the server started`);

    const result = await session.connection.sendRequest(AnalyzeRequest, { modelPath: workspace.trainedModel });
    assert.equal(result.outcome, 'cached');
    assert.equal(session.received(AnalysisStartedNotification).length, 0, 'the restart recomputed an analysis');
    assert.match(summary, /^λmax /);
    const { report, history } = await session.connection.sendRequest(GetReportRequest, { modelPath: workspace.trainedModel });
    assert.equal(report?.createdAt, trainedReport.createdAt);
    assert.deepEqual(history, []);
  });

  it('marks results stale when a weight file changes', async function () {
    const original = fs.readFileSync(workspace.trainedWeights);
    const changed = Buffer.from(original);
    changed[100] ^= 0xff;
    fs.writeFileSync(workspace.trainedWeights, changed);
    await session.fileChanged(workspace.trainedWeights, FileChangeType.Changed);

    const stale = await waitUntil(async () => {
      const found = titles(await session.codeLenses(workspace.trainedModel)).find((title) => title.includes('stale'));
      return found;
    }, 'stale lens', 10_000);
    assert.match(stale, /^λmax .* · stale: files changed since this analysis$/);
    const { stale: reportStale } = await session.connection.sendRequest(GetReportRequest, { modelPath: workspace.trainedModel });
    assert.equal(reportStale, true);

    fs.writeFileSync(workspace.trainedWeights, original);
    await session.fileChanged(workspace.trainedWeights, FileChangeType.Changed);
    await waitUntil(async () => {
      const current = titles(await session.codeLenses(workspace.trainedModel));
      return current.some((title) => title.startsWith('λmax')) && !current.some((title) => title.includes('stale')) ? true : undefined;
    }, 'lens without the stale mark after restoring the weights', 10_000);
  });

  it('analyses again on a weight change when enabled', async function () {
    await session.changeSettings({ ...SMALL_SETTINGS, analyzeOnSave: true });
    const original = fs.readFileSync(workspace.trainedWeights);
    const changed = Buffer.from(original);
    changed[200] ^= 0xff;

    try {
      fs.writeFileSync(workspace.trainedWeights, changed);
      await session.fileChanged(workspace.trainedWeights, FileChangeType.Changed);
      const started = await session.waitFor(AnalysisStartedNotification, (params) => params.modelPath === workspace.trainedModel, 10_000);
      const { cancelled } = await session.connection.sendRequest(CancelRequest, { modelPath: workspace.trainedModel });
      assert.deepEqual(cancelled, [started.analysisId]);
    } finally {
      fs.writeFileSync(workspace.trainedWeights, original);
      await session.fileChanged(workspace.trainedWeights, FileChangeType.Changed);
      await session.changeSettings({ ...SMALL_SETTINGS });
    }
  });

  it('links a dataset through the sidecar', async function () {
    const { sidecarPath } = await session.connection.sendRequest(LinkDatasetRequest, {
      modelPath: workspace.unlinkedModel,
      link: { data: path.join(workspace.root, 'data', 'x.npy'), labels: path.join(workspace.root, 'data', 'y.npy'), loss: 'sparse_categorical_crossentropy' },
    });

    assert.equal(sidecarPath, path.join(path.dirname(workspace.unlinkedModel), 'lenet.hessian.json'));
    assert.deepEqual(JSON.parse(fs.readFileSync(sidecarPath, 'utf8')), {
      data: '../data/x.npy',
      labels: '../data/y.npy',
      loss: 'sparse_categorical_crossentropy',
    });
    const result = await session.connection.sendRequest(AnalyzeRequest, { modelPath: workspace.unlinkedModel });
    assert.equal(result.outcome, 'started');
    await session.connection.sendRequest(CancelRequest, { modelPath: workspace.unlinkedModel });
  });

  it('relinking drops the old file\'s fields', async function () {
    const first = { data: workspace.csvData, labelColumn: 'label', categories: { label: ['0', '1'] } };
    await session.connection.sendRequest(LinkDatasetRequest, { modelPath: workspace.unlinkedModel, link: first });
    const { sidecarPath } = await session.connection.sendRequest(LinkDatasetRequest, {
      modelPath: workspace.unlinkedModel,
      link: { data: path.join(workspace.root, 'data', 'x.npy'), labels: path.join(workspace.root, 'data', 'y.npy') },
    });

    // The loss of the earlier link stays, the CSV's label column and categories go.
    assert.deepEqual(JSON.parse(fs.readFileSync(sidecarPath, 'utf8')), {
      data: '../data/x.npy',
      labels: '../data/y.npy',
      loss: 'sparse_categorical_crossentropy',
    });
  });
});

/**
 * Tests of SpectrumPanel with a stand-in `vscode` module (fakeVscode.ts), because
 * the real one exists only inside the VS Code extension host: panel reuse, the
 * state replayed on `ready`, partial merging, exports and opening a layer.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Report } from '../../src/engine/report';
import { FakeUri, fakeState, installFakeVscode, resetFakeVscode, uninstallFakeVscode, type FakeWebviewPanel } from './fakeVscode';

type PanelModule = typeof import('../../src/client/webview/spectrumPanel');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const EXTENSION_URI = FakeUri.file('/extensions/hessian-spectrum') as unknown as import('vscode').Uri;
const MODEL_PATH = '/workspace/models/lenet/mnist.json';

function loadFixture(): Report {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'report-lenet.json'), 'utf8')) as Report;
}

/** Lets the panel's promise chains (save dialog, file write) finish. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('SpectrumPanel with a stand-in vscode module', function () {
  let panelModule: PanelModule;
  const report = loadFixture();
  const opened: Array<{ dispose(): void }> = [];

  before(function () {
    installFakeVscode();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    panelModule = require('../../src/client/webview/spectrumPanel') as PanelModule;
  });

  after(function () {
    uninstallFakeVscode();
  });

  beforeEach(function () {
    resetFakeVscode();
  });

  afterEach(function () {
    for (const panel of opened.splice(0)) {
      panel.dispose();
    }
  });

  function show(modelPath = MODEL_PATH, current: Report | null = report, history: Report[] = []) {
    const panel = panelModule.SpectrumPanel.show(EXTENSION_URI, modelPath, current, history);
    opened.push(panel);
    return panel;
  }

  function fakePanel(index = 0): FakeWebviewPanel {
    return fakeState.panels[index];
  }

  it('reuses the panel of a model', function () {
    const first = show();
    const second = show(path.join(path.dirname(MODEL_PATH), '.', 'mnist.json'));
    assert.equal(second, first);
    assert.equal(fakeState.panels.length, 1);
    assert.equal(fakePanel().revealCount, 1);
    assert.deepEqual(fakePanel().webview.posted, [{ type: 'report', report, history: [] }]);

    show('/workspace/models/other/model.json');
    assert.equal(fakeState.panels.length, 2);
    assert.equal(panelModule.SpectrumPanel.find(MODEL_PATH), first);
  });

  it('opens later panels in the first one\'s column', function () {
    show();
    show('/workspace/models/other/model.json');

    assert.equal(fakePanel(0).requestedColumn, -2, 'the first panel opens beside the editor');
    assert.equal(fakePanel(1).requestedColumn, fakePanel(0).viewColumn, 'the second panel joins it as a tab');
  });

  it('limits the webview to media and dist', function () {
    show();
    const panel = fakePanel();
    assert.equal(panel.options.enableScripts, true);
    assert.deepEqual(
      panel.options.localResourceRoots?.map((uri) => uri.path),
      ['/extensions/hessian-spectrum/media', '/extensions/hessian-spectrum/dist'],
    );
    assert.equal(panel.title, 'Spectrum: mnist.json');
    const html = panel.webview.html;
    // The policy sits in a double-quoted attribute, where the page escapes ' as &#39;.
    assert.match(html, /style-src https:\/\/webview\.test &#39;nonce-/);
    assert.match(html, /src="https:\/\/webview\.test\/extensions\/hessian-spectrum\/dist\/webview\.js"/);
    assert.match(html, /src="https:\/\/webview\.test\/extensions\/hessian-spectrum\/dist\/plotly\.js"/);
    assert.match(html, /href="https:\/\/webview\.test\/extensions\/hessian-spectrum\/media\/spectrum\.css"/);
  });

  it('uses a new nonce for every page', function () {
    show();
    show('/workspace/models/other/model.json');
    const nonceOf = (html: string) => /<script nonce="([^"]+)"/.exec(html)?.[1];
    assert.ok(nonceOf(fakePanel(0).webview.html));
    assert.notEqual(nonceOf(fakePanel(0).webview.html), nonceOf(fakePanel(1).webview.html));
  });

  it('replays state on ready', function () {
    const panel = show(MODEL_PATH, null, [report]);
    panel.update({ model: report.model });
    panel.update({ lossValue: 0.5 });
    panel.setProgress({ phase: 'trace', done: 3, total: 60 });
    const webview = fakePanel().webview;
    webview.posted.length = 0;

    webview.receive.fire({ type: 'ready' });
    assert.deepEqual(webview.posted, [
      { type: 'history', history: [report] },
      { type: 'partial', partial: { model: report.model, lossValue: 0.5 } },
      { type: 'progress', event: { phase: 'trace', done: 3, total: 60 } },
    ]);
  });

  it('new partial after finished report', function () {
    const panel = show();
    panel.update({ lossValue: 0.7 });
    panel.setReport(report, []);
    panel.update({ lossValue: 0.3 });
    const webview = fakePanel().webview;
    webview.posted.length = 0;

    webview.receive.fire({ type: 'ready' });
    assert.deepEqual(webview.posted, [
      { type: 'report', report, history: [] },
      { type: 'partial', partial: { lossValue: 0.3 } },
    ]);
  });

  it('replays a stopped analysis', function () {
    const panel = show(MODEL_PATH, null, []);
    panel.update({ lossValue: 0.3 });
    panel.setProgress({ phase: 'density', done: 1, total: 3 });
    panel.showAnalysisStopped('Cancelled by the user.');
    const webview = fakePanel().webview;
    webview.posted.length = 0;

    webview.receive.fire({ type: 'ready' });
    assert.deepEqual(webview.posted, [
      { type: 'partial', partial: { lossValue: 0.3 } },
      { type: 'stopped', message: 'Cancelled by the user.' },
    ]);
  });

  it('new run drops stopped partial', function () {
    const panel = show(MODEL_PATH, null, []);
    panel.update({ lossValue: 0.3, backend: 'cpu' });
    panel.showAnalysisStopped('The analysis failed.');
    panel.setProgress({ phase: 'loading', done: 0, total: 1 });
    panel.update({ lossValue: 0.9 });
    const webview = fakePanel().webview;
    webview.posted.length = 0;

    webview.receive.fire({ type: 'ready' });
    assert.deepEqual(webview.posted, [
      { type: 'partial', partial: { lossValue: 0.9 } },
      { type: 'progress', event: { phase: 'loading', done: 0, total: 1 } },
    ]);
  });

  it('saves JSON export to chosen file', async function () {
    show();
    fakeState.saveDialogAnswer = FakeUri.file('/tmp/chosen/report.json');
    fakePanel().webview.receive.fire({ type: 'export', format: 'json', fileName: '../../etc/passwd', content: '{"a":1}' });
    await settle();

    assert.equal(fakeState.saveDialogOptions[0].defaultUri?.path, '/workspace/models/lenet/passwd.json');
    assert.equal(fakeState.writtenFiles.length, 1);
    assert.equal(fakeState.writtenFiles[0].uri.path, '/tmp/chosen/report.json');
    assert.equal(Buffer.from(fakeState.writtenFiles[0].bytes).toString('utf8'), '{"a":1}');
    assert.deepEqual(fakeState.messages, [{ level: 'info', text: 'Saved report.json.' }]);
  });

  it('cancelled save dialog writes nothing', async function () {
    show();
    fakePanel().webview.receive.fire({ type: 'export', format: 'csv', fileName: 'a.csv', content: 'x' });
    await settle();
    assert.equal(fakeState.saveDialogOptions.length, 1);
    assert.equal(fakeState.writtenFiles.length, 0);
  });

  it('PNG export decoded, others rejected', async function () {
    show();
    fakeState.saveDialogAnswer = FakeUri.file('/tmp/chosen/density.png');
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('rest of the file')]);
    fakePanel().webview.receive.fire({ type: 'export', format: 'png', fileName: 'd.png', dataUrl: `data:image/png;base64,${png.toString('base64')}` });
    await settle();
    assert.equal(fakeState.writtenFiles.length, 1);
    assert.ok(Buffer.from(fakeState.writtenFiles[0].bytes).equals(png));

    const gif = Buffer.from('GIF89a fake');
    fakePanel().webview.receive.fire({ type: 'export', format: 'png', fileName: 'd.png', dataUrl: `data:image/png;base64,${gif.toString('base64')}` });
    await settle();
    assert.equal(fakeState.writtenFiles.length, 1);
    assert.match(fakeState.messages.at(-1)?.text ?? '', /^Saving \/tmp\/chosen\/density\.png failed: the image data is not a PNG file\.$/);
  });

  it('ignores malformed messages', async function () {
    show();
    const webview = fakePanel().webview;
    webview.posted.length = 0;
    webview.receive.fire({ type: 'export', format: 'html', fileName: 'x.html', content: '<script>' });
    webview.receive.fire('ready');
    await settle();
    assert.equal(fakeState.saveDialogOptions.length, 0);
    assert.deepEqual(webview.posted, []);
  });

  it('opens layer at its name', async function () {
    show();
    const modelText = '{\n  "modelTopology": {\n    "layers": [\n      {"class_name": "Dense", "config": {"name": "<img src=x onerror=alert(1)>"}}\n    ]\n  }\n}\n';
    fakeState.documents.set(MODEL_PATH, modelText);
    fakePanel().webview.receive.fire({ type: 'openLayer', layerName: '<img src=x onerror=alert(1)>' });
    await settle();

    assert.equal(fakeState.shownDocuments.length, 1);
    const selection = fakeState.shownDocuments[0].selection;
    assert.deepEqual({ ...selection?.start }, { line: 3, character: 41 });
    assert.deepEqual({ ...selection?.end }, { line: 3, character: 79 });

    fakePanel().webview.receive.fire({ type: 'openLayer', layerName: '[click](command:workbench.action.quit)' });
    await settle();
    assert.equal(fakeState.shownDocuments.length, 1);
    const warning = fakeState.messages.at(-1);
    assert.equal(warning?.level, 'warning');
    assert.doesNotMatch(warning?.text ?? '', /\[click\]/);
  });

  it('closing fires onDidDispose, forgets panel', function () {
    const panel = show();
    let disposeCount = 0;
    panel.onDidDispose(() => disposeCount++);
    fakePanel().dispose();
    assert.equal(disposeCount, 1);
    assert.equal(panelModule.SpectrumPanel.find(MODEL_PATH), undefined);

    // A closed panel posts nothing, and the next show creates a new one.
    panel.setReport(report, []);
    assert.equal(fakePanel().webview.posted.length, 0);
    show();
    assert.equal(fakeState.panels.length, 2);
  });
});

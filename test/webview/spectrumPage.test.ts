/**
 * Browser tests of the spectrum webview: the page from renderPanelHtml, with the
 * bundled page script and plotly.js, in headless Chromium. The report messages are
 * posted the way SpectrumPanel posts them. Screenshots go to test-results/webview/.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { PartialReport } from '../../src/engine/api';
import type { Report } from '../../src/engine/report';
import {
  buildWebviewBundle,
  CHROMIUM_PATH,
  createBundleDir,
  cspViolations,
  launchChromium,
  openPanelPage,
  PageServer,
  postedMessages,
  postToPage,
  REPO_ROOT,
  saveScreenshot,
  waitForCondition,
  type OpenedPage,
} from './browserHarness';

const HOSTILE_LAYER = '<img src=x onerror=alert(1)>';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function loadFixture(): Report {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'report-lenet.json'), 'utf8')) as Report;
}

/** Two earlier runs made from the fixture, with larger curvature, as a model seen earlier in training would show. */
function earlierRuns(report: Report): Report[] {
  const scaled = (createdAt: string, factor: number): Report => {
    const copy = JSON.parse(JSON.stringify(report)) as Report;
    copy.createdAt = createdAt;
    copy.eigenvalues.top = copy.eigenvalues.top.map((value) => Number((value * factor).toPrecision(6)));
    copy.learningRate.maxStableGradientDescent = Number((2 / copy.eigenvalues.top[0]).toPrecision(6));
    copy.trace.estimate = Number((copy.trace.estimate * factor).toPrecision(6));
    copy.lossValue = Number((copy.lossValue * factor).toPrecision(4));
    return copy;
  };
  return [scaled('2026-11-18T09:10:00.000Z', 1.5), scaled('2026-11-12T16:45:00.000Z', 2)];
}

/** VS Code's Dark Modern colours for the variables the page reads, as VS Code sets them on the root element. */
const DARK_THEME_VARIABLES: Record<string, string> = {
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-editor-foreground': '#cccccc',
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-editorWidget-background': '#202020',
  '--vscode-editorWidget-border': '#313131',
  '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-secondaryBackground': '#313131',
  '--vscode-button-secondaryForeground': '#cccccc',
  '--vscode-textLink-foreground': '#4daafc',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-orange': '#d18616',
  '--vscode-badge-background': '#616161',
  '--vscode-editorWarning-foreground': '#cca700',
};

async function switchToDarkTheme(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const variables = ${JSON.stringify(DARK_THEME_VARIABLES)};
    for (const [name, value] of Object.entries(variables)) {
      document.documentElement.style.setProperty(name, value);
    }
    document.body.className = 'vscode-dark';
  })()`);
}

async function figureValue(page: Page, id: string): Promise<string> {
  return (await page.locator(`[data-figure="${id}"] .figure-value`).textContent()) ?? '';
}

async function figureDetail(page: Page, id: string): Promise<string> {
  return (await page.locator(`[data-figure="${id}"] .figure-detail`).textContent()) ?? '';
}

/** Waits until the density chart's first trace has a drawn line, and returns its SVG path. */
async function densityLinePath(page: Page): Promise<string> {
  const line = page.locator('#density-plot .scatterlayer .trace').first().locator('path.js-line');
  await line.waitFor({ state: 'attached' });
  return (await line.getAttribute('d')) ?? '';
}

async function tickTexts(page: Page, plotId: string, axisClass: string): Promise<string[]> {
  return page.locator(`#${plotId} .${axisClass} text`).allTextContents();
}

async function assertNoViolations(opened: OpenedPage): Promise<void> {
  assert.deepEqual(await cspViolations(opened.page), [], 'the page reported CSP violations');
  assert.deepEqual(opened.events.consoleErrors, [], 'the page logged console errors');
  assert.deepEqual(opened.events.pageErrors, [], 'the page threw uncaught errors');
  assert.deepEqual(opened.events.foreignRequests, [], 'the page requested files from other origins');
}

describe('spectrum webview in Chromium', function () {
  let bundleDir = '';
  let server: PageServer | undefined;
  let browser: Browser | undefined;
  let opened: OpenedPage | undefined;
  const report = loadFixture();

  before(async function () {
    if (!fs.existsSync(CHROMIUM_PATH)) {
      console.warn(
        `Skipping the webview browser tests: no Chromium at ${CHROMIUM_PATH}. Install Debian's package with ` +
          '`apt-get install -y chromium`, or set HESSIAN_SPECTRUM_CHROMIUM to a Chromium binary.',
      );
      this.skip();
    }
    bundleDir = createBundleDir();
    await buildWebviewBundle(bundleDir);
    server = await PageServer.start(bundleDir);
    browser = await launchChromium();
  });

  after(async function () {
    await browser?.close();
    await server?.stop();
    if (bundleDir) {
      fs.rmSync(bundleDir, { recursive: true, force: true });
    }
  });

  beforeEach(async function () {
    opened = await openPanelPage(browser!, server!);
  });

  afterEach(async function () {
    await opened?.context.close();
    opened = undefined;
  });

  it('waiting state without a report', async function () {
    const { page } = opened!;
    assert.match((await page.locator('#status').textContent()) ?? '', /No report yet/);
    assert.equal(await page.locator('#density-plot').isHidden(), true);
    assert.equal(await page.locator('#export-json').isDisabled(), true);
    await assertNoViolations(opened!);
  });

  it('draws the density plot', async function () {
    const { page } = opened!;
    await postToPage(page, { type: 'report', report, history: [] });

    const linePath = await densityLinePath(page);
    const points = linePath.match(/[ML]/g) ?? [];
    assert.ok(points.length >= 500, `expected the density line to have at least 500 points, got ${points.length}`);
    assert.equal(await page.locator('#density-placeholder').isHidden(), true);

    // The negative region is shaded: one rectangle shape behind the traces.
    assert.equal(await page.locator('#density-plot .layer-below .shapelayer path').count(), 1);
    // The top and bottom eigenvalues are marked: one marker per value.
    const markers = page.locator('#density-plot .scatterlayer .trace').nth(1).locator('path.point');
    assert.equal(await markers.count(), report.eigenvalues.top.length + report.eigenvalues.bottom.length);

    await saveScreenshot(page, 'report-light');

    // Hovering shows Plotly's hover label and mode bar, which must not need inline styles either.
    const plotArea = await page.locator('#density-plot .nsewdrag').first().boundingBox();
    assert.ok(plotArea, 'the density plot has no drag area');
    await page.mouse.move(plotArea.x + plotArea.width * 0.06, plotArea.y + plotArea.height * 0.2);
    await page.locator('#density-plot .hoverlayer .hovertext').first().waitFor();
    assert.match((await page.locator('#density-plot .hoverlayer').textContent()) ?? '', /λ = /);
    await assertNoViolations(opened!);
  });

  it('shows the summary figures', async function () {
    const { page } = opened!;
    await postToPage(page, { type: 'report', report, history: [] });
    await page.locator('[data-figure="lambda-max"]').waitFor();

    assert.equal(await figureValue(page, 'lambda-max'), '47.31');
    assert.equal(await figureValue(page, 'lambda-min'), '-0.412');
    assert.equal(await figureValue(page, 'trace'), '398.5 ± 7.77');
    assert.equal(await figureValue(page, 'negative-mass'), '0.0046%');
    // λmin < 0, so the page shows |λmax/λmin| = 47.31 / 0.412 and not a condition number.
    assert.equal(await figureValue(page, 'condition'), '115');
    assert.equal(await page.locator('[data-figure="condition"] .figure-label').textContent(), '|λmax / λmin|');
    assert.equal(await figureValue(page, 'stable-step'), '0.04227');
    assert.match(await figureDetail(page, 'stable-step'), /learning rate 0\.001 \(Adam\)/);
    assert.equal(await figureValue(page, 'loss'), '0.1423');
    assert.equal(await figureValue(page, 'accuracy'), '96.2%');
    assert.equal(await figureValue(page, 'hvp'), 'exact');
    assert.match(await figureDetail(page, 'hvp'), /verification error 3\.1e-7/);
    assert.equal(await figureValue(page, 'backend'), 'wasm');
    assert.equal(await figureValue(page, 'samples'), '1,000');
    assert.equal(await figureValue(page, 'elapsed'), '6 min 48 s');

    const eigenvalueRows = await page.locator('#eigenvalue-table tbody tr').allTextContents();
    assert.equal(eigenvalueRows.length, 10);
    assert.match(eigenvalueRows[0], /^top 147\.31/);
    assert.match(eigenvalueRows[5], /^bottom 1-0\.412/);
    await assertNoViolations(opened!);
  });

  it('details list notes and text columns', async function () {
    const { page } = opened!;
    const withColumns = JSON.parse(JSON.stringify(report)) as Report;
    withColumns.data.categories = { sex: ['F', 'M', 'I'] };
    await postToPage(page, { type: 'report', report: withColumns, history: [] });
    await page.locator('#details dt').first().waitFor();

    const terms = await page.locator('#details dt').allTextContents();
    const descriptions = await page.locator('#details dd').allTextContents();
    const described = (term: string): string[] => descriptions.filter((_, index) => terms[index] === term);
    assert.deepEqual(described('Column sex'), ['F → 0, M → 1, I → 2']);
    assert.deepEqual(described('Note'), report.notes);
    await assertNoViolations(opened!);
  });

  it('hostile layer name stays text', async function () {
    const { page, events } = opened!;
    await postToPage(page, { type: 'report', report, history: [] });
    await page.locator('#layers-plot .ytick text').first().waitFor();
    // Give an injected onerror handler time to run, if one had been created.
    await page.waitForTimeout(300);

    assert.equal(await page.locator('img').count(), 0, 'an img element was created');
    assert.deepEqual(events.dialogs, [], 'a dialog was opened');
    assert.equal(await page.locator('script').count(), 2, 'only the two page scripts may exist');

    const layerNames = await page.locator('#layers-values .layer-name').allTextContents();
    assert.ok(layerNames.includes(HOSTILE_LAYER), `layer names in the table: ${JSON.stringify(layerNames)}`);
    const tickLabels = await tickTexts(page, 'layers-plot', 'ytick');
    assert.ok(tickLabels.includes(HOSTILE_LAYER), `layer names on the chart: ${JSON.stringify(tickLabels)}`);
    assert.match((await page.locator('#warnings').textContent()) ?? '', /layer <img src=x onerror=alert\(1\)> carries/);

    assert.equal(await page.locator('#model-path').textContent(), report.model.path);
    assert.match((await page.locator('#details').textContent()) ?? '', /<script>alert\('path'\)<\/script>/);

    await saveScreenshot(page, 'hostile-names');
    await assertNoViolations(opened!);
  });

  it('partial reports render on arrival', async function () {
    const { page } = opened!;
    const firstPhases: PartialReport = {
      model: report.model,
      data: report.data,
      loss: report.loss,
      lossValue: report.lossValue,
      accuracy: report.accuracy,
      chanceAccuracy: report.chanceAccuracy,
      backend: report.backend,
      hvp: report.hvp,
      phaseMs: { loading: 850, verifying: 2310 },
    };
    await postToPage(page, { type: 'progress', event: { phase: 'eigenvalues', done: 24, total: 80, message: 'λmax ≈ 46.9' } });
    await postToPage(page, { type: 'partial', partial: firstPhases });

    await page.locator('#progress-text').waitFor();
    assert.equal(await page.locator('#progress-text').textContent(), 'Extreme eigenvalues: 24 of 80 (λmax ≈ 46.9)');
    assert.equal(await page.locator('#phase-progress').getAttribute('value'), '24');
    assert.equal(await page.locator('.phases li[data-phase="verifying"]').getAttribute('class'), 'done');
    assert.equal(await page.locator('.phases li[data-phase="eigenvalues"]').getAttribute('class'), 'current');
    assert.equal(await figureValue(page, 'lambda-max'), '…');
    assert.equal(await figureDetail(page, 'lambda-max'), 'pending: Extreme eigenvalues');
    assert.equal(await figureValue(page, 'loss'), '0.1423');
    assert.match((await page.locator('#density-placeholder').textContent()) ?? '', /^Pending: computed in the "Spectral density" phase/);
    assert.equal(await page.locator('#density-plot').isHidden(), true);
    await saveScreenshot(page, 'partial-early');

    const withSpectrum: PartialReport = {
      ...firstPhases,
      eigenvalues: report.eigenvalues,
      trace: report.trace,
      density: report.density,
      phaseMs: { ...firstPhases.phaseMs, eigenvalues: 61040, trace: 47220, density: 205380 },
    };
    await postToPage(page, { type: 'progress', event: { phase: 'layers', done: 2, total: 5 } });
    await postToPage(page, { type: 'partial', partial: withSpectrum });

    assert.ok((await densityLinePath(page)).length > 0);
    assert.equal(await figureValue(page, 'lambda-max'), '47.31');
    assert.equal(await figureValue(page, 'stable-step'), '0.04227');
    assert.equal(await figureDetail(page, 'stable-step'), 'comparison with the learning rate pending');
    assert.equal(await figureValue(page, 'elapsed'), '…');
    assert.match((await page.locator('#layers-placeholder').textContent()) ?? '', /^Pending: computed in the "Per-layer curvature" phase/);
    await saveScreenshot(page, 'partial-spectrum');

    await postToPage(page, { type: 'report', report, history: [] });
    await page.locator('#layers-plot .ytick text').first().waitFor();
    assert.match((await page.locator('#status').textContent()) ?? '', /^Finished .* after 6 min 48 s\.$/);
    assert.equal(await page.locator('#phase-progress').count(), 0);
    await assertNoViolations(opened!);
  });

  it('stopped analysis shows its reason', async function () {
    const { page } = opened!;
    await postToPage(page, { type: 'partial', partial: { model: report.model, lossValue: report.lossValue } });
    await postToPage(page, { type: 'stopped', message: 'Cancelled by the user.' });

    assert.match((await page.locator('#status').textContent()) ?? '', /^Analysis stopped: Cancelled by the user\. Results computed before it stopped are shown\.$/);
    assert.equal(await figureValue(page, 'lambda-max'), '—');
    assert.equal(await figureValue(page, 'loss'), '0.1423');

    // The next analysis starts: the stopped run's values disappear until the new ones arrive.
    await postToPage(page, { type: 'progress', event: { phase: 'loading', done: 0, total: 1 } });
    assert.equal(await figureValue(page, 'loss'), '…');
    assert.match((await page.locator('#status').textContent()) ?? '', /^Analysis running\./);
    await assertNoViolations(opened!);
  });

  it('export buttons post JSON, CSV, PNG', async function () {
    const { page } = opened!;
    await postToPage(page, { type: 'report', report, history: [] });
    await densityLinePath(page);

    await page.click('#export-json');
    await page.click('#export-csv');
    await page.click('#export-png-density');
    await waitForCondition(page, 'window.__posted.some((message) => message.format === "png")', 30000);

    const exports = (await postedMessages(page)).filter((message) => message.type === 'export');
    assert.deepEqual(
      exports.map((message) => message.format),
      ['json', 'csv', 'png'],
    );
    const [json, csv, png] = exports;

    assert.equal(json.fileName, 'mnist-hessian-2026-11-20T14-32-05-000Z.json');
    const exportedReport = JSON.parse(String(json.content)) as Report;
    assert.deepEqual(exportedReport, report);

    assert.equal(csv.fileName, 'mnist-hessian-2026-11-20T14-32-05-000Z.csv');
    const csvLines = String(csv.content).split('\r\n');
    assert.ok(csvLines.includes('eigenvalues,top,1,47.31,0.0021'), 'the CSV lacks the first top eigenvalue');
    assert.ok(csvLines.includes('table,eigenvalue,density'), 'the CSV lacks the density table');
    assert.equal(csvLines.filter((line) => line.startsWith('density,')).length, report.density.grid.length);
    assert.ok(
      csvLines.some((line) => line.startsWith(`layers,${HOSTILE_LAYER},Dense,10164,12.71,`)),
      'the CSV lacks the hostile layer row',
    );

    assert.equal(png.fileName, 'mnist-density-2026-11-20T14-32-05-000Z.png');
    const dataUrl = String(png.dataUrl);
    assert.ok(dataUrl.startsWith('data:image/png;base64,'), `unexpected data URL start: ${dataUrl.slice(0, 40)}`);
    const pngBytes = Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64');
    assert.ok(pngBytes.subarray(0, 8).equals(PNG_SIGNATURE), 'the exported image is not a PNG');
    assert.ok(pngBytes.length > 10_000, `the PNG has only ${pngBytes.length} bytes`);
    fs.mkdirSync(path.join(REPO_ROOT, 'test-results', 'webview'), { recursive: true });
    fs.writeFileSync(path.join(REPO_ROOT, 'test-results', 'webview', 'exported-density.png'), pngBytes);

    await assertNoViolations(opened!);
  });

  it('log and symmetric-log toggles', async function () {
    const { page } = opened!;
    await postToPage(page, { type: 'report', report, history: [] });
    const linearPath = await densityLinePath(page);
    assert.equal(await page.evaluate<string>("document.getElementById('density-plot').layout.yaxis.type"), 'linear');

    await page.click('#density-scale-log');
    await waitForCondition(page, "document.getElementById('density-plot').layout.yaxis.type === 'log'");
    assert.equal(await page.locator('#density-scale-log').getAttribute('aria-pressed'), 'true');
    assert.equal(await page.locator('#density-scale-linear').getAttribute('aria-pressed'), 'false');
    const logPath = await densityLinePath(page);
    assert.notEqual(logPath, linearPath, 'the density line did not change with the scale');
    // Log ticks span the eight decades below the peak, in exponent notation.
    const logTicks = await tickTexts(page, 'density-plot', 'ytick');
    assert.ok(logTicks.length >= 3, `too few log ticks: ${JSON.stringify(logTicks)}`);
    // Plotly writes negative exponents with the Unicode minus sign U+2212.
    assert.ok(logTicks.includes('1e\u22126'), `log ticks: ${JSON.stringify(logTicks)}`);
    await saveScreenshot(page, 'density-log');

    await page.click('#eigenvalue-axis-symlog');
    await waitForCondition(page, "document.getElementById('density-plot').layout.xaxis.tickmode === 'array'");
    const symlogTicks = await tickTexts(page, 'density-plot', 'xtick');
    assert.ok(symlogTicks.includes('1e1'), `symmetric-log ticks: ${JSON.stringify(symlogTicks)}`);
    assert.ok(symlogTicks.includes('0'), `symmetric-log ticks: ${JSON.stringify(symlogTicks)}`);
    await saveScreenshot(page, 'density-log-symlog');

    await page.click('#density-scale-linear');
    await waitForCondition(page, "document.getElementById('density-plot').layout.yaxis.type === 'linear'");
    await assertNoViolations(opened!);
  });

  it('theme change restyles the charts', async function () {
    const { page } = opened!;
    await postToPage(page, { type: 'report', report, history: earlierRuns(report) });
    await densityLinePath(page);
    const tickStyle = page.locator('#density-plot .xtick text').first();
    const lightStyle = (await tickStyle.getAttribute('style')) ?? '';
    assert.match(lightStyle, /fill: rgb\(51, 51, 51\)/);

    await switchToDarkTheme(page);
    await waitForCondition(page, "document.getElementById('density-plot').layout.paper_bgcolor === '#1f1f1f'");
    const darkStyle = (await tickStyle.getAttribute('style')) ?? '';
    assert.match(darkStyle, /fill: rgb\(204, 204, 204\)/);
    await saveScreenshot(page, 'report-dark');
    await assertNoViolations(opened!);
  });

  it('history selection shows earlier run', async function () {
    const { page } = opened!;
    const history = earlierRuns(report);
    await postToPage(page, { type: 'report', report, history: [report, ...history] });
    await page.locator('#history-table').waitFor();

    // The current report is listed once although the history repeats it.
    assert.equal(await page.locator('#history-table tbody tr').count(), 3);
    assert.equal(await page.locator('#history-table tbody tr.selected .tag').textContent(), 'latest');

    await page.click(`[data-run="${history[1].createdAt}"]`);
    assert.equal(await figureValue(page, 'lambda-max'), '94.62');
    assert.equal(await page.locator('#viewing-banner').isVisible(), true);
    assert.equal(await page.locator(`[data-run="${history[1].createdAt}"]`).getAttribute('aria-current'), 'true');
    await saveScreenshot(page, 'history-earlier-run');

    await page.click('#show-latest');
    assert.equal(await figureValue(page, 'lambda-max'), '47.31');
    assert.equal(await page.locator('#viewing-banner').isHidden(), true);
    await assertNoViolations(opened!);
  });

  it('layer name posts open request', async function () {
    const { page } = opened!;
    await postToPage(page, { type: 'report', report, history: [] });
    await page.locator('#layers-values button.layer-name').first().waitFor();

    await page.locator('#layers-values button.layer-name', { hasText: HOSTILE_LAYER }).click();
    const requests = (await postedMessages(page)).filter((message) => message.type === 'openLayer');
    assert.deepEqual(requests, [{ type: 'openLayer', layerName: HOSTILE_LAYER }]);
    await assertNoViolations(opened!);
  });

  it('ignores messages of unknown shape', async function () {
    const { page } = opened!;
    await postToPage(page, { type: 'report', report: 'not an object', history: [] });
    await postToPage(page, { type: 'unknown' });
    assert.match((await page.locator('#status').textContent()) ?? '', /No report yet/);
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(opened!.events.pageErrors, []);
  });
});

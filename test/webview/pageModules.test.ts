/**
 * Node tests of the webview's pure modules: formatting, summary figures, CSV
 * export, chart helpers, the panel HTML and the message checks. They need no
 * browser.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isExtensionToWebviewMessage, isWebviewToExtensionMessage } from '../../src/client/webview/messages';
import { buildContentSecurityPolicy, escapeHtml, PLOTLY_MAPLIBRE_STYLE_ID, renderPanelHtml } from '../../src/client/webview/panelHtml';
import type { Report } from '../../src/engine/report';
import { plotlyText, symlog, symlogThreshold, symlogTicks, uniqueLabels } from '../../media/charts';
import { csvField, neutralizeFormula, reportToCsv } from '../../media/exportCsv';
import { formatDuration, formatNumber, formatPercent, formatWithError, MISSING } from '../../media/format';
import { describeStability, estimateCondition, summarizeReport } from '../../media/summary';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

function loadFixture(): Report {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'report-lenet.json'), 'utf8')) as Report;
}

describe('webview formatting', function () {
  it('formatNumber cases', function () {
    const cases: Array<[number | null, string]> = [
      [null, MISSING],
      [Number.NaN, MISSING],
      [Infinity, '∞'],
      [0, '0'],
      [47.31, '47.31'],
      [-0.412, '-0.412'],
      [398.458, '398.5'],
      [123456, '1.235e5'],
      [0.00012, '1.2e-4'],
      [-3.1e-7, '-3.1e-7'],
      [100000, '1e5'],
    ];
    for (const [value, expected] of cases) {
      assert.equal(formatNumber(value), expected, `formatNumber(${value})`);
    }
  });

  it('formatPercent and formatWithError', function () {
    assert.equal(formatPercent(0.962), '96.2%');
    assert.equal(formatPercent(null), MISSING);
    assert.equal(formatWithError(398.458, 7.77), '398.5 ± 7.77');
    assert.equal(formatWithError(398.458, null), '398.5');
  });

  it('formatDuration ranges', function () {
    assert.equal(formatDuration(850), '850 ms');
    assert.equal(formatDuration(4200), '4.2 s');
    assert.equal(formatDuration(408030), '6 min 48 s');
    assert.equal(formatDuration(3_720_000), '1 h 2 min');
    assert.equal(formatDuration(-1), MISSING);
  });
});

describe('webview summary figures', function () {
  it('condition estimate by sign of λmin', function () {
    assert.deepEqual(estimateCondition(10, 2).value, 5);
    assert.equal(estimateCondition(10, 2).label, 'condition number');
    assert.equal(estimateCondition(10, 0).value, Infinity);
    assert.equal(estimateCondition(10, -0.5).value, 20);
    assert.equal(estimateCondition(10, -0.5).label, '|λmax / λmin|');
    assert.equal(estimateCondition(-1, -2).value, null);
    assert.equal(estimateCondition(null, 1).value, null);
  });

  it('stability against 2/λmax', function () {
    const stable = describeStability({ value: 0.01, maxStableGradientDescent: 0.04, optimizer: 'SGD' }, 50);
    assert.equal(stable.limit, 0.04);
    assert.equal(stable.ratio, 0.25);
    assert.doesNotMatch(stable.detail, /diverge/);

    const unstable = describeStability({ value: 0.1, maxStableGradientDescent: 0.04, optimizer: 'Adam' }, 50);
    assert.equal(unstable.ratio, 2.5);
    assert.match(unstable.detail, /would diverge/);
    assert.match(unstable.detail, /Adam rescales/);

    // Without the report's field the limit is computed from λmax.
    assert.equal(describeStability(undefined, 40).limit, 0.05);
    assert.equal(describeStability(undefined, 40).detail, 'this report has no learning-rate section');
    assert.equal(describeStability(undefined, -1).limit, null);
    assert.equal(describeStability({ value: null, maxStableGradientDescent: 0.04, optimizer: null }, 50).ratio, null);
  });

  it('partial report marks missing figures pending', function () {
    const report = loadFixture();
    const figures = summarizeReport({ model: report.model, lossValue: 0.5 }, true);
    const byId = new Map(figures.map((figure) => [figure.id, figure]));
    assert.equal(byId.get('lambda-max')?.state, 'pending');
    assert.equal(byId.get('lambda-max')?.detail, 'pending: Extreme eigenvalues');
    assert.equal(byId.get('loss')?.state, 'value');
    assert.equal(byId.get('loss')?.value, '0.5');
    assert.equal(byId.get('parameters')?.value, '61,706');

    const stopped = summarizeReport({ model: report.model }, false);
    assert.equal(stopped.find((figure) => figure.id === 'trace')?.state, 'missing');
  });

  it('complete report fills every figure', function () {
    const figures = summarizeReport(loadFixture(), false);
    assert.equal(figures.length, 13);
    for (const figure of figures) {
      assert.equal(figure.state, 'value', `figure ${figure.id} is ${figure.state}`);
    }
  });
});

describe('webview CSV export', function () {
  it('quotes fields per RFC 4180', function () {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(null), '');
    assert.equal(csvField(Number.NaN), '');
    assert.equal(csvField(-0.412), '-0.412');
  });

  it('neutralizes spreadsheet formulas in names', function () {
    assert.equal(neutralizeFormula('=HYPERLINK("x")'), '\'=HYPERLINK("x")');
    assert.equal(neutralizeFormula('@cmd'), "'@cmd");
    assert.equal(neutralizeFormula('dense_1'), 'dense_1');
  });

  it('writes three tables of the fixture', function () {
    const report = loadFixture();
    report.layers[0].name = '=1+1, "quoted"';
    const lines = reportToCsv(report).split('\r\n');

    assert.equal(lines[0], 'table,end,rank,eigenvalue,residual');
    assert.equal(lines[1], 'eigenvalues,top,1,47.31,0.0021');
    assert.ok(lines.includes('eigenvalues,bottom,1,-0.412,0.00041'));
    assert.equal(lines.filter((line) => line.startsWith('density,')).length, report.density.grid.length);
    assert.ok(lines.includes('layers,"\'=1+1, ""quoted""",Conv2D,156,9.84,-0.031,28.689,0.602,0.00115'), 'layer row with quoting');
    // Tables are separated by one empty line each, and the file ends with a line break.
    assert.equal(lines.filter((line) => line === '').length, 3);
  });

  it('leaves out tables a partial report lacks', function () {
    const report = loadFixture();
    assert.equal(reportToCsv({ model: report.model }), '');
    const onlyEigenvalues = reportToCsv({ eigenvalues: report.eigenvalues });
    assert.ok(onlyEigenvalues.startsWith('table,end,rank,eigenvalue,residual\r\n'));
    assert.doesNotMatch(onlyEigenvalues, /density|layers/);
  });
});

describe('webview chart helpers', function () {
  it('plotlyText escapes markup', function () {
    assert.equal(plotlyText('<img src=x onerror=alert(1)>'), '&lt;img src=x onerror=alert(1)&gt;');
    assert.equal(plotlyText('a & b'), 'a &amp; b');
  });

  it('symlog is odd and monotonic', function () {
    assert.equal(symlog(0, 0.5), 0);
    assert.equal(symlog(-3, 0.5), -symlog(3, 0.5));
    assert.ok(symlog(10, 0.5) > symlog(1, 0.5));
    assert.ok(Math.abs(symlog(0.001, 1) - 0.001 / Math.LN10) < 1e-6, 'near zero symlog is linear');
  });

  it('symlog threshold and ticks', function () {
    assert.equal(symlogThreshold(47.31, 0.477), 0.477);
    assert.ok(Math.abs(symlogThreshold(47.31, 0) - 47.31e-4) < 1e-12);
    const ticks = symlogTicks(-0.5, 47.31, 0.477);
    assert.deepEqual(ticks.ticktext, ['0', '1e0', '1e1']);
    assert.deepEqual(ticks.tickvals, [0, symlog(1, 0.477), symlog(10, 0.477)]);

    const wide = symlogTicks(-1e6, 1e6, 1e-6);
    assert.ok(wide.ticktext.length <= 15, `too many ticks: ${wide.ticktext.join(' ')}`);
    assert.ok(wide.ticktext.includes('\u22121e6'), wide.ticktext.join(' '));
    assert.ok(wide.ticktext.includes('1e6'), wide.ticktext.join(' '));
    assert.ok(wide.ticktext.includes('1e\u22126'), wide.ticktext.join(' '));
  });

  it('uniqueLabels numbers repeated names', function () {
    assert.deepEqual(uniqueLabels(['dense', 'conv', 'dense']), ['dense', 'conv', 'dense (2)']);
  });
});

describe('webview panel HTML', function () {
  const options = {
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    nonce: 'abcdefghijklmnopqrstuvwx',
    scriptUri: 'https://example.invalid/dist/webview.js',
    plotlyUri: 'https://example.invalid/dist/plotly.js',
    styleUri: 'https://example.invalid/media/spectrum.css',
  };

  it('policy allows no inline or eval scripts', function () {
    const policy = buildContentSecurityPolicy(options.cspSource, options.nonce);
    assert.match(policy, /^default-src 'none'; /);
    assert.match(policy, /script-src 'nonce-abcdefghijklmnopqrstuvwx';/);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
    assert.match(policy, /style-src https:\/\/file\+\.vscode-resource\.vscode-cdn\.net 'nonce-/);
  });

  it('page escapes title, nonces scripts', function () {
    const html = renderPanelHtml({ ...options, title: '<script>alert(1)</script>"' });
    assert.match(html, /<title>&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;<\/title>/);
    assert.equal(html.match(/<script /g)?.length, 2);
    assert.equal(html.match(/<script nonce="abcdefghijklmnopqrstuvwx" src="/g)?.length, 2);
    assert.ok(html.includes(`<style id="${PLOTLY_MAPLIBRE_STYLE_ID}" nonce="abcdefghijklmnopqrstuvwx"></style>`));
    assert.ok(html.includes('<style id="plotly.js-style-global" nonce="abcdefghijklmnopqrstuvwx"></style>'));
  });

  it('rejects invalid nonce or CSP source', function () {
    assert.throws(() => renderPanelHtml({ ...options, nonce: 'short' }), /Invalid webview nonce/);
    assert.throws(() => renderPanelHtml({ ...options, cspSource: "https://x; script-src 'unsafe-inline'" }), /Invalid webview CSP source/);
    // code-server gives two sources; both must reach the policy.
    const twoSources = renderPanelHtml({ ...options, cspSource: "'self' https://*.vscode-cdn.net" });
    assert.match(twoSources, /style-src &#39;self&#39; https:\/\/\*\.vscode-cdn\.net |style-src 'self' https:\/\/\*\.vscode-cdn\.net /);
  });

  it('escapeHtml escapes the five markup characters', function () {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('webview message checks', function () {
  it('accepts well-formed page messages', function () {
    assert.ok(isWebviewToExtensionMessage({ type: 'ready' }));
    assert.ok(isWebviewToExtensionMessage({ type: 'openLayer', layerName: 'dense' }));
    assert.ok(isWebviewToExtensionMessage({ type: 'export', format: 'csv', fileName: 'a.csv', content: 'x' }));
    assert.ok(isWebviewToExtensionMessage({ type: 'export', format: 'png', fileName: 'a.png', dataUrl: 'data:image/png;base64,iVBO' }));
  });

  it('rejects malformed page messages', function () {
    const rejected: unknown[] = [
      null,
      'ready',
      { type: 'openLayer' },
      { type: 'export', format: 'exe', fileName: 'a', content: 'x' },
      { type: 'export', format: 'png', fileName: 'a.png', dataUrl: 'data:text/html;base64,PHNjcmlwdD4=' },
      { type: 'export', format: 'json', content: '{}' },
      { type: 'runCommand', command: 'workbench.action.quit' },
    ];
    for (const message of rejected) {
      assert.equal(isWebviewToExtensionMessage(message), false, JSON.stringify(message));
    }
  });

  it('checks extension messages by type', function () {
    assert.ok(isExtensionToWebviewMessage({ type: 'report', report: {}, history: [] }));
    assert.ok(isExtensionToWebviewMessage({ type: 'progress', event: { phase: 'trace', done: 1, total: 2 } }));
    assert.ok(isExtensionToWebviewMessage({ type: 'stopped', message: 'Cancelled.' }));
    assert.equal(isExtensionToWebviewMessage({ type: 'report', report: 'x', history: [] }), false);
    assert.equal(isExtensionToWebviewMessage({ type: 'partial' }), false);
    assert.equal(isExtensionToWebviewMessage({ type: 'history', history: {} }), false);
  });
});

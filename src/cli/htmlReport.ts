import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';

import type { Report } from '../engine/report';
import { HTML_REPORT_MARKER } from './outputFiles';
import { formatNumber } from './summaryTable';

/**
 * Renders a report as a self-contained HTML page. Plotly is inlined, so the
 * file opens offline and can be attached to a CI run. Every string from the
 * model or the data is escaped, and the page's own scripts run under a nonce.
 */
export function renderHtmlReport(report: Report): string {
  const nonce = randomBytes(16).toString('base64');
  const plotly = fs.readFileSync(require.resolve('plotly.js-dist/plotly.js'), 'utf8');
  const title = `Hessian spectrum of ${report.model.path}`;

  const summaryRows: Array<[string, string]> = [
    ['Model', `${report.model.path} (${report.model.format}, ${report.model.numParameters} parameters)`],
    ['Data', `${report.data.path} (${report.data.samples} samples)`],
    ['Loss', `${report.loss} = ${formatNumber(report.lossValue)}`],
    ['Accuracy', report.accuracy === null ? '—' : `${(100 * report.accuracy).toFixed(1)}%`],
    ['λmax', formatNumber(report.eigenvalues.top[0])],
    ['λmin', formatNumber(report.eigenvalues.bottom[0])],
    ['Trace', `${formatNumber(report.trace.estimate)} ± ${formatNumber(report.trace.standardError)} (${report.trace.method})`],
    ['Negative mass', `${(100 * report.density.negativeMass).toFixed(2)}%`],
    ['2/λmax', formatNumber(report.learningRate.maxStableGradientDescent)],
    ['Learning rate', formatNumber(report.learningRate.value)],
    ['HVP', `${report.hvp.method}: ${report.hvp.reason}`],
    ['Backend', `${report.backend}, seed ${report.seed}`],
  ];

  const layerRows = report.layers.map(
    (layer) =>
      `<tr><td>${escapeHtml(layer.name)}</td><td>${escapeHtml(layer.className)}</td><td>${layer.numParameters}</td>` +
      `<td>${formatNumber(layer.lambdaMax)}</td><td>${formatNumber(layer.lambdaMin)}</td><td>${formatNumber(layer.trace)}</td></tr>`,
  );
  const warnings = report.warnings.map((warning) => `<li>${escapeHtml(`[${warning.code}] ${warning.message}`)}</li>`);

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
${HTML_REPORT_MARKER}
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
td, th { padding: 0.2em 0.8em; border-bottom: 1px solid #ddd; text-align: left; }
.plot { width: 100%; max-width: 60em; height: 24em; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<table>${summaryRows.map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>
${warnings.length > 0 ? `<h2>Warnings</h2><ul>${warnings.join('')}</ul>` : ''}
<h2>Eigenvalue density</h2>
<label><input type="checkbox" id="log-scale"> Logarithmic density axis</label>
<div id="density" class="plot"></div>
<h2>Extreme eigenvalues</h2>
<p>Top: ${report.eigenvalues.top.map(formatNumber).join(', ')}</p>
<p>Bottom: ${report.eigenvalues.bottom.map(formatNumber).join(', ')}</p>
${report.slice ? '<h2>Loss along the top eigenvector</h2><div id="slice" class="plot"></div>' : ''}
${layerRows.length > 0 ? `<h2>Per-layer curvature</h2>
<table><tr><th>Layer</th><th>Class</th><th>Parameters</th><th>λmax</th><th>λmin</th><th>Trace</th></tr>${layerRows.join('')}</table>` : ''}
<script type="application/json" id="report-data">${jsonForScript(report)}</script>
<script nonce="${nonce}">${plotly}</script>
<script nonce="${nonce}">${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** Draws the plots from the embedded report; kept as plain ES2017 so it runs in any browser. */
const PAGE_SCRIPT = `
(function () {
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var density = report.density;
  // The smoothed density spreads the bulk near 0 below zero, so the curve's
  // area under λ < 0 is not the negative mass: the band only marks the region,
  // and the label gives the negative mass from the quadrature weights.
  var lowest = density.grid[0];
  function drawDensity(logScale) {
    var all = { x: density.grid, y: density.values, type: 'scatter', mode: 'lines', name: 'density', line: { color: '#2c6fbb' } };
    var layout = {
      margin: { t: 30 },
      xaxis: { title: { text: 'eigenvalue λ' } },
      yaxis: { title: { text: 'density' }, type: logScale ? 'log' : 'linear' },
      shapes: [],
      annotations: []
    };
    if (lowest < 0) {
      layout.shapes.push({ type: 'rect', xref: 'x', yref: 'paper', x0: lowest, x1: 0, y0: 0, y1: 1,
        fillcolor: '#c0392b', opacity: 0.12, line: { width: 0 }, layer: 'below' });
      layout.annotations.push({ xref: 'x', yref: 'paper', x: 0, y: 1.02, xanchor: 'left', yanchor: 'bottom', showarrow: false,
        text: 'λ < 0 shaded; negative mass ' + (100 * density.negativeMass).toFixed(2) + '%', font: { color: '#c0392b' } });
    }
    Plotly.react('density', [all], layout, { displaylogo: false });
  }
  drawDensity(false);
  document.getElementById('log-scale').addEventListener('change', function (event) { drawDensity(event.target.checked); });
  if (report.slice) {
    var slice = report.slice;
    var quadratic = slice.alphas.map(function (a) { return report.lossValue + 0.5 * slice.eigenvalue * a * a; });
    Plotly.react('slice', [
      { x: slice.alphas, y: slice.losses, type: 'scatter', mode: 'lines+markers', name: 'loss' },
      { x: slice.alphas, y: quadratic, type: 'scatter', mode: 'lines', name: 'quadratic model', line: { dash: 'dot' } }
    ], { margin: { t: 10 }, xaxis: { title: { text: 'step α along the top eigenvector' } }, yaxis: { title: { text: 'loss' } } },
    { displaylogo: false });
  }
})();
`;

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** JSON that cannot close the script element it sits in. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

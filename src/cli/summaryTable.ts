import type { Report } from '../engine/report';

/** Formats a number for a table: four significant digits, exponent form when very large or small. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return '—';
  }
  if (value === 0) {
    return '0';
  }
  const magnitude = Math.abs(value);
  return magnitude >= 1e5 || magnitude < 1e-3 ? value.toExponential(3) : value.toPrecision(4);
}

/** Renders rows as left-aligned columns separated by two spaces. */
export function renderColumns(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, cell.length);
    });
  }
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n');
}

/** Renders the readable summary of a report that the CLI prints on stdout. */
export function renderSummary(report: Report): string {
  const sections: string[] = [];

  const accuracy =
    report.accuracy === null ? '—' : `${(100 * report.accuracy).toFixed(1)}% (chance ${(100 * (report.chanceAccuracy ?? 0)).toFixed(1)}%)`;
  const stableStep = report.learningRate.maxStableGradientDescent;
  sections.push(
    renderColumns([
      ['Model', `${report.model.path} (${report.model.format}, ${report.model.numParameters} parameters, output ${report.model.outputName})`],
      ['Data', `${report.data.path}: ${report.data.samples} of ${report.data.totalSamples} samples`],
      ['Loss', `${report.loss} = ${formatNumber(report.lossValue)}`],
      ['Accuracy', accuracy],
      ['HVP', `${report.hvp.method}, ${report.hvp.count} products; ${report.hvp.reason}`],
      ['Backend', `${report.backend}, seed ${report.seed}, ${(report.elapsedMs / 1000).toFixed(1)} s`],
    ]),
  );

  const eigenvalues = report.eigenvalues;
  sections.push(
    renderColumns([
      ['λmax', formatNumber(eigenvalues.top[0])],
      ['λmin', formatNumber(eigenvalues.bottom[0])],
      ['Top', eigenvalues.top.map(formatNumber).join(', ')],
      ['Bottom', bottomText(eigenvalues)],
      [
        'Trace',
        `${formatNumber(report.trace.estimate)} ± ${formatNumber(report.trace.standardError)} (${report.trace.method}, ${report.trace.probes} products)`,
      ],
      ['Negative mass', `${(100 * report.density.negativeMass).toFixed(2)}% of the spectral density`],
      [
        'Learning rate',
        `${formatNumber(report.learningRate.value)} (${report.learningRate.optimizer ?? 'optimizer unknown'}); 2/λmax = ${formatNumber(stableStep)}`,
      ],
    ]),
  );

  if (report.layers.length > 0) {
    const header = ['Layer', 'Class', 'Parameters', 'λmax', 'λmin', 'Trace'];
    const rows = report.layers.map((layer) => [
      layer.name,
      layer.className,
      String(layer.numParameters),
      formatNumber(layer.lambdaMax),
      formatNumber(layer.lambdaMin),
      layer.trace === null ? '—' : `${formatNumber(layer.trace)} ± ${formatNumber(layer.traceStandardError)}`,
    ]);
    sections.push(renderColumns([header, ...rows]));
  }

  if (report.notes.length > 0) {
    sections.push(report.notes.map((note) => `Note: ${note}`).join('\n'));
  }
  if (report.warnings.length > 0) {
    sections.push(report.warnings.map((warning) => `Warning [${warning.code}]: ${warning.message}`).join('\n'));
  }

  return `${sections.join('\n\n')}\n`;
}

/** Formats the bottom eigenvalues, or explains why power iteration found none. */
function bottomText(eigenvalues: Report['eigenvalues']): string {
  if (eigenvalues.bottom.length > 0) {
    return eigenvalues.bottom.map(formatNumber).join(', ');
  }
  if (eigenvalues.method === 'power') {
    return '— (power iteration meets only the negative eigenvalues larger in magnitude than the top k; --method-eigen lanczos finds λmin)';
  }
  return '—';
}

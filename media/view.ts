/**
 * The page's frame and its text sections: header, status, warnings, summary
 * figures, eigenvalue table, per-layer table, history and details. Charts are drawn
 * by main.ts into the containers that buildFrame creates.
 */
import type { PartialReport } from '../src/engine/api';
import type { AnalysisPhase, LayerCurvature, ProgressEvent, Report } from '../src/engine/report';
import { byId, element, replaceChildren } from './dom';
import { formatCount, formatDate, formatDuration, formatNumber, formatPercent, formatWithError, MISSING } from './format';
import { PHASES, phaseLabel, summarizeReport } from './summary';

/** One run in the history list. */
export interface RunEntry {
  /** Identifies the run within the list: its creation time, made unique. */
  key: string;
  report: Report;
  /** True for the report that the extension sent as the current one. */
  isLatest: boolean;
}

function sectionHeader(title: string, controls: Node[] = []): HTMLElement {
  return element('div', { className: 'section-header' }, [element('h2', { text: title }), element('div', { className: 'controls' }, controls)]);
}

function toggleGroup(label: string, idPrefix: string, options: Array<{ value: string; text: string }>): HTMLElement {
  const buttons = options.map((option) =>
    element('button', {
      text: option.text,
      attributes: { type: 'button', id: `${idPrefix}-${option.value}`, 'data-value': option.value, 'aria-pressed': 'false' },
    }),
  );
  return element('div', { className: 'toggle-group', attributes: { role: 'group', 'aria-label': label } }, [
    element('span', { className: 'toggle-label', text: label }),
    ...buttons,
  ]);
}

function pngButton(id: string, chartName: string): HTMLElement {
  return element('button', {
    className: 'secondary',
    text: 'Save PNG',
    attributes: { type: 'button', id, title: `Save the ${chartName} chart as a PNG image` },
  });
}

/** Builds the static frame of the page inside `root`. */
export function buildFrame(root: HTMLElement): void {
  const header = element('header', { className: 'page-header' }, [
    element('div', { className: 'title-block' }, [
      element('h1', { text: 'Hessian spectrum', attributes: { id: 'model-name' } }),
      element('p', { className: 'path', attributes: { id: 'model-path' } }),
    ]),
    element('div', { className: 'toolbar', attributes: { role: 'toolbar', 'aria-label': 'Export' } }, [
      element('button', { text: 'Export JSON', attributes: { type: 'button', id: 'export-json', title: 'Save the shown report as JSON' } }),
      element('button', {
        text: 'Export CSV',
        attributes: { type: 'button', id: 'export-csv', title: 'Save the eigenvalues, density and per-layer values as CSV' },
      }),
    ]),
  ]);

  const densityControls = [
    toggleGroup('Density', 'density-scale', [
      { value: 'linear', text: 'Linear' },
      { value: 'log', text: 'Log' },
    ]),
    toggleGroup('λ axis', 'eigenvalue-axis', [
      { value: 'linear', text: 'Linear' },
      { value: 'symlog', text: 'Symmetric log' },
    ]),
    pngButton('export-png-density', 'density'),
  ];

  replaceChildren(root, [
    header,
    element('section', { className: 'status', attributes: { id: 'status', 'aria-live': 'polite' } }),
    element('div', { className: 'banner', attributes: { id: 'viewing-banner', hidden: '' } }),
    element('p', { className: 'page-error', attributes: { id: 'page-error', role: 'alert', hidden: '' } }),
    element('section', { attributes: { id: 'warnings', hidden: '' } }),
    element('section', { attributes: { id: 'summary-section' } }, [
      sectionHeader('Summary'),
      element('div', { className: 'figures', attributes: { id: 'summary' } }),
    ]),
    element('section', { attributes: { id: 'density-section' } }, [
      sectionHeader('Eigenvalue density', densityControls),
      element('p', { className: 'placeholder', attributes: { id: 'density-placeholder' } }),
      element('div', { className: 'plot', attributes: { id: 'density-plot', hidden: '' } }),
      element('p', { className: 'note', attributes: { id: 'density-note', hidden: '' } }),
    ]),
    element('section', { attributes: { id: 'eigenvalues-section' } }, [
      sectionHeader('Top and bottom eigenvalues'),
      element('div', { attributes: { id: 'eigenvalues' } }),
    ]),
    element('section', { attributes: { id: 'layers-section' } }, [
      sectionHeader('Per-layer curvature', [pngButton('export-png-layers', 'per-layer')]),
      element('p', { className: 'placeholder', attributes: { id: 'layers-placeholder' } }),
      element('div', { className: 'plot', attributes: { id: 'layers-plot', hidden: '' } }),
      element('div', { className: 'table-wrap', attributes: { id: 'layers-table' } }),
    ]),
    element('section', { attributes: { id: 'slice-section' } }, [
      sectionHeader('Loss along the top eigenvector', [pngButton('export-png-slice', 'loss slice')]),
      element('p', { className: 'placeholder', attributes: { id: 'slice-placeholder' } }),
      element('div', { className: 'plot', attributes: { id: 'slice-plot', hidden: '' } }),
    ]),
    element('section', { attributes: { id: 'history-section' } }, [
      sectionHeader('Runs of this model'),
      element('div', { className: 'table-wrap', attributes: { id: 'history' } }),
    ]),
    element('section', { attributes: { id: 'details-section' } }, [sectionHeader('Details'), element('dl', { attributes: { id: 'details' } })]),
  ]);
  root.removeAttribute('aria-busy');
}

/** Explains how the density curve relates to the negative mass, because the smoothing blurs both. */
export function renderDensityNote(report: PartialReport | null): void {
  const note = byId('density-note');
  const density = report?.density;
  note.hidden = !density;
  note.textContent = density
    ? `Stochastic Lanczos quadrature, ${density.runs} runs × ${density.steps} steps. Each Ritz node is smoothed by a Gaussian ` +
      `of σ = ${formatNumber(density.sigma)}, so the curve spreads eigenvalues near 0 to both sides of 0. The negative mass ` +
      'counts the quadrature weight below −tolerance·max|λ| before smoothing.'
    : '';
}

/** Returns the last path segment, for either separator. */
export function baseName(path: string): string {
  const segments = path.split(/[\\/]/);
  return segments[segments.length - 1] || path;
}

export function renderHeader(report: PartialReport | null): void {
  const path = report?.model?.path;
  byId('model-name').textContent = path ? `Hessian spectrum: ${baseName(path)}` : 'Hessian spectrum';
  byId('model-path').textContent = path ?? '';
}

export interface StatusInput {
  running: boolean;
  progress: ProgressEvent | null;
  /** The report the page has for the current run (complete or partial), if any. */
  latest: PartialReport | null;
  latestComplete: boolean;
  /** Reason the last analysis stopped before it finished; null when it did not stop early. */
  stoppedMessage: string | null;
}

function phaseList(progress: ProgressEvent | null, latest: PartialReport | null): HTMLElement {
  const currentIndex = progress ? PHASES.findIndex((entry) => entry.phase === progress.phase) : -1;
  const items = PHASES.map((entry, index) => {
    const hasResult = latest !== null && latest.phaseMs?.[entry.phase] !== undefined;
    let state = 'pending';
    if (index === currentIndex) {
      state = 'current';
    } else if (hasResult || index < currentIndex) {
      state = 'done';
    }
    return element('li', { className: state, text: entry.label, attributes: { 'data-phase': entry.phase } });
  });
  return element('ol', { className: 'phases', attributes: { 'aria-label': 'Analysis phases' } }, items);
}

export function renderStatus(input: StatusInput): void {
  const status = byId('status');

  if (input.running) {
    const children: Array<Node | string> = [element('p', { className: 'status-line', text: 'Analysis running.' })];
    children.push(phaseList(input.progress, input.latest));
    if (input.progress) {
      const { phase, done, total, message } = input.progress;
      const progress = element('progress', { attributes: { id: 'phase-progress', max: String(Math.max(total, 1)), value: String(Math.min(done, total)) } });
      const text = `${phaseLabel(phase)}: ${formatCount(done)} of ${formatCount(total)}${message ? ` (${message})` : ''}`;
      children.push(element('div', { className: 'progress-row' }, [progress, element('span', { text, attributes: { id: 'progress-text' } })]));
    }
    status.className = 'status running';
    replaceChildren(status, children);
    return;
  }

  status.className = 'status';
  if (input.stoppedMessage !== null) {
    const resultsNote = input.latestComplete ? 'The last complete run is shown.' : 'Results computed before it stopped are shown.';
    status.className = 'status stopped';
    replaceChildren(status, [element('p', { className: 'status-line', text: `Analysis stopped: ${input.stoppedMessage} ${resultsNote}` })]);
    return;
  }
  if (input.latest && input.latestComplete) {
    const finished = `Finished ${formatDate(input.latest.createdAt)} after ${formatDuration(input.latest.elapsedMs)}.`;
    replaceChildren(status, [element('p', { className: 'status-line', text: finished })]);
    return;
  }
  replaceChildren(status, [
    element('p', {
      className: 'status-line',
      text: 'No report yet. Run "Hessian Spectrum: Analyze Model" on this model to compute one.',
    }),
  ]);
}

export function renderWarnings(report: PartialReport | null): void {
  const section = byId('warnings');
  const warnings = report?.warnings ?? [];
  section.hidden = warnings.length === 0;
  const items = warnings.map((warning) =>
    element('li', {}, [element('code', { text: warning.code }), ' ', element('span', { text: warning.message })]),
  );
  replaceChildren(section, [element('h2', { text: 'Warnings' }), element('ul', { className: 'warnings' }, items)]);
}

export function renderSummary(report: PartialReport, running: boolean): void {
  const cards = summarizeReport(report, running).map((figure) =>
    element(
      'div',
      {
        className: `figure ${figure.state}${figure.flagged ? ' flagged' : ''}`,
        attributes: { 'data-figure': figure.id },
      },
      [
        element('div', { className: 'figure-label', text: figure.label }),
        element('div', { className: 'figure-value', text: figure.value }),
        element('div', { className: 'figure-detail', text: figure.detail }),
      ],
    ),
  );
  replaceChildren(byId('summary'), cards);
}

function table(headers: string[], rows: Array<Array<Node | string>>, id?: string): HTMLTableElement {
  const head = element('thead', {}, [element('tr', {}, headers.map((header) => element('th', { text: header, attributes: { scope: 'col' } })))]);
  const body = element(
    'tbody',
    {},
    rows.map((cells) => element('tr', {}, cells.map((cell) => element('td', {}, [cell])))),
  );
  return element('table', id ? { attributes: { id } } : {}, [head, body]);
}

/** Returns the placeholder text of a section: pending while the analysis runs, else `notComputed`. */
export function placeholderText(running: boolean, phase: AnalysisPhase, notComputed: string): string {
  return running ? `Pending: computed in the "${phaseLabel(phase)}" phase.` : notComputed;
}

export function renderEigenvalues(report: PartialReport, running: boolean): void {
  const container = byId('eigenvalues');
  const eigenvalues = report.eigenvalues;
  if (!eigenvalues) {
    replaceChildren(container, [element('p', { className: 'placeholder', text: placeholderText(running, 'eigenvalues', 'Not in this report.') })]);
    return;
  }

  const rows: Array<Array<Node | string>> = [];
  eigenvalues.top.forEach((value, index) => {
    rows.push([`top ${index + 1}`, formatNumber(value, 6), formatNumber(eigenvalues.topResiduals[index] ?? null, 2)]);
  });
  eigenvalues.bottom.forEach((value, index) => {
    rows.push([`bottom ${index + 1}`, formatNumber(value, 6), formatNumber(eigenvalues.bottomResiduals[index] ?? null, 2)]);
  });
  const notes = [
    `${eigenvalues.method}, ${eigenvalues.iterations} iterations`,
    eigenvalues.converged ? 'all values met the tolerance' : 'not every value met the tolerance',
  ];
  if (eigenvalues.breakdown) {
    notes.push('Lanczos stopped early on an invariant subspace');
  }
  replaceChildren(container, [
    table(['', 'eigenvalue', 'residual bound'], rows, 'eigenvalue-table'),
    element('p', { className: 'note', text: `${notes.join('; ')}.` }),
  ]);
}

/** Called when the user asks to see a layer in the model file. */
export type OpenLayerHandler = (layerName: string) => void;

function layerNameCell(layer: LayerCurvature, canOpen: boolean, onOpen: OpenLayerHandler): Node {
  if (!canOpen) {
    return element('span', { className: 'layer-name', text: layer.name });
  }
  const button = element('button', {
    className: 'link layer-name',
    text: layer.name,
    attributes: { type: 'button', title: 'Show this layer in the model file' },
  });
  button.addEventListener('click', () => onOpen(layer.name));
  return button;
}

export function renderLayersTable(report: PartialReport, running: boolean, onOpen: OpenLayerHandler): void {
  const container = byId('layers-table');
  const layers = report.layers;
  if (!layers || layers.length === 0) {
    replaceChildren(container, []);
    return;
  }
  // Layer positions can be found in JSON model files only.
  const canOpen = report.model?.format === 'tfjs-layers';
  const rows = layers.map((layer) => [
    layerNameCell(layer, canOpen, onOpen),
    layer.className,
    formatCount(layer.numParameters),
    formatNumber(layer.lambdaMax),
    formatNumber(layer.lambdaMin),
    formatWithError(layer.trace, layer.traceStandardError),
    formatPercent(layer.negativeMass),
  ]);
  const children: Node[] = [table(['layer', 'class', 'parameters', 'λmax', 'λmin', 'trace ± s.e.', 'negative mass'], rows, 'layers-values')];
  if (running) {
    children.push(element('p', { className: 'note', text: 'Per-layer values may still change while the analysis runs.' }));
  }
  replaceChildren(container, children);
}

/** Called when the user picks a run in the history; null shows the latest run. */
export type SelectRunHandler = (key: string | null) => void;

export function renderHistory(runs: RunEntry[], selectedKey: string | null, onSelect: SelectRunHandler): void {
  const container = byId('history');
  if (runs.length === 0) {
    replaceChildren(container, [element('p', { className: 'placeholder', text: 'No earlier runs of this model.' })]);
    return;
  }

  const rows = runs.map((run) => {
    const selected = selectedKey === null ? run.isLatest : selectedKey === run.key;
    const button = element('button', {
      className: 'link',
      text: formatDate(run.report.createdAt),
      attributes: { type: 'button', 'data-run': run.key, 'aria-current': selected ? 'true' : 'false' },
    });
    button.addEventListener('click', () => onSelect(run.isLatest ? null : run.key));
    const label = element('span', {}, [button]);
    if (run.isLatest) {
      label.append(element('span', { className: 'tag', text: 'latest' }));
    }
    return [
      label,
      formatNumber(run.report.eigenvalues?.top[0] ?? null),
      formatWithError(run.report.trace?.estimate, run.report.trace?.standardError),
      formatNumber(run.report.lossValue),
      formatPercent(run.report.accuracy),
      formatCount(run.report.data?.samples),
    ];
  });
  const historyTable = table(['run', 'λmax', 'trace ± s.e.', 'loss', 'accuracy', 'samples'], rows, 'history-table');
  runs.forEach((run, index) => {
    const selected = selectedKey === null ? run.isLatest : selectedKey === run.key;
    historyTable.tBodies[0].rows[index].classList.toggle('selected', selected);
  });
  replaceChildren(container, [historyTable]);
}

export function renderViewingBanner(selected: RunEntry | null, onSelect: SelectRunHandler): void {
  const banner = byId('viewing-banner');
  if (!selected || selected.isLatest) {
    banner.hidden = true;
    replaceChildren(banner, []);
    return;
  }
  const back = element('button', { className: 'link', text: 'Show the latest run', attributes: { type: 'button', id: 'show-latest' } });
  back.addEventListener('click', () => onSelect(null));
  banner.hidden = false;
  replaceChildren(banner, [element('span', { text: `Showing an earlier run from ${formatDate(selected.report.createdAt)}. ` }), back]);
}

function detailRow(term: string, description: string): Node[] {
  return [element('dt', { text: term }), element('dd', { text: description })];
}

function shape(dimensions: number[] | null | undefined): string {
  return dimensions ? `[${dimensions.join(', ')}]` : MISSING;
}

export function renderDetails(report: PartialReport): void {
  const rows: Node[] = [];
  if (report.model) {
    rows.push(...detailRow('Model file', report.model.path));
    rows.push(...detailRow('Format', report.model.format));
    rows.push(...detailRow('Output', `${report.model.outputName} (${report.model.outputIndex + 1} of ${report.model.numOutputs})`));
    rows.push(...detailRow('Input shape', shape(report.model.inputShape)));
  }
  if (report.data) {
    rows.push(...detailRow('Data file', report.data.path));
    if (report.data.labelsPath) {
      rows.push(...detailRow('Labels file', report.data.labelsPath));
    }
    if (report.data.reshapedFrom) {
      rows.push(...detailRow('Inputs reshaped', `${shape(report.data.reshapedFrom)} → ${shape(report.data.reshapedTo)}`));
    }
    for (const [column, names] of Object.entries(report.data.categories ?? {})) {
      rows.push(...detailRow(`Column ${column}`, names.map((name, index) => `${name} → ${index}`).join(', ')));
    }
  }
  if (report.loss) {
    rows.push(...detailRow('Loss', report.loss));
  }
  if (report.learningRate) {
    const optimizer = report.learningRate.optimizer ?? 'not recorded';
    rows.push(...detailRow('Learning rate', `${formatNumber(report.learningRate.value)} (optimizer: ${optimizer})`));
  }
  if (report.density) {
    const density = report.density;
    rows.push(...detailRow('Density', `${density.runs} runs × ${density.steps} Lanczos steps, Gaussian σ = ${formatNumber(density.sigma)}`));
  }
  if (report.settings) {
    const settings = Object.entries(report.settings).map(([name, value]) => `${name} ${String(value)}`);
    rows.push(...detailRow('Settings', settings.join(', ')));
  }
  if (report.phaseMs) {
    const times = PHASES.filter((entry) => report.phaseMs?.[entry.phase] !== undefined).map(
      (entry) => `${entry.label} ${formatDuration(report.phaseMs?.[entry.phase])}`,
    );
    rows.push(...detailRow('Phase times', times.join(', ')));
  }
  if (report.engineVersion) {
    rows.push(...detailRow('Engine', `${report.engineVersion}, report schema ${report.schemaVersion ?? MISSING}`));
  }
  if (report.createdAt) {
    rows.push(...detailRow('Finished', formatDate(report.createdAt)));
  }
  // Notes record the choices the run made for the user: backend, per-layer products, text columns.
  for (const note of report.notes ?? []) {
    rows.push(...detailRow('Note', note));
  }
  replaceChildren(byId('details'), rows);
}

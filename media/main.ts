/**
 * Script of the spectrum webview. It receives the report by message from
 * SpectrumPanel (src/client/webview/spectrumPanel.ts), renders it with DOM text
 * nodes and Plotly, and sends export and open-layer requests back.
 *
 * Plotly is loaded by its own script tag from the extension's files and used as the
 * global `Plotly`; this bundle imports only its types.
 */
import type PlotlyModule from 'plotly.js-dist';
import type { PartialReport } from '../src/engine/api';
import type { ProgressEvent, Report } from '../src/engine/report';
import {
  isExtensionToWebviewMessage,
  PNG_DATA_URL_PREFIX,
  type ExtensionToWebviewMessage,
  type WebviewToExtensionMessage,
} from '../src/client/webview/messages';
import { buildDensityFigure, buildLayersFigure, buildSliceFigure, type ChartTheme, type DensityScale, type EigenvalueAxis, type Figure } from './charts';
import { byId } from './dom';
import { reportToCsv } from './exportCsv';
import { observeThemeChanges, readChartTheme } from './theme';
import {
  baseName,
  buildFrame,
  placeholderText,
  renderDensityNote,
  renderDetails,
  renderEigenvalues,
  renderHeader,
  renderHistory,
  renderLayersTable,
  renderStatus,
  renderSummary,
  renderViewingBanner,
  renderWarnings,
  type RunEntry,
} from './view';

type PlotlyApi = typeof PlotlyModule;

/** The API that VS Code's webview host gives the page; `acquireVsCodeApi` may be called once. */
interface VsCodeApi {
  postMessage(message: WebviewToExtensionMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** View choices kept across reloads of the page (VS Code reloads a hidden webview). */
interface PersistedState {
  densityScale: DensityScale;
  eigenvalueAxis: EigenvalueAxis;
  selectedRunKey: string | null;
}

interface PageState extends PersistedState {
  /** Report of the current run: the complete report or the partial one of the running analysis. */
  latest: PartialReport | null;
  latestComplete: boolean;
  running: boolean;
  progress: ProgressEvent | null;
  stoppedMessage: string | null;
  history: Report[];
}

type ChartName = 'density' | 'layers' | 'slice';

const vscode = acquireVsCodeApi();
const state: PageState = { ...restoreState(), latest: null, latestComplete: false, running: false, progress: null, stoppedMessage: null, history: [] };
let chartTheme: ChartTheme;

function restoreState(): PersistedState {
  const saved = vscode.getState() as Partial<PersistedState> | undefined;
  return {
    densityScale: saved?.densityScale === 'log' ? 'log' : 'linear',
    eigenvalueAxis: saved?.eigenvalueAxis === 'symlog' ? 'symlog' : 'linear',
    selectedRunKey: typeof saved?.selectedRunKey === 'string' ? saved.selectedRunKey : null,
  };
}

function persistState(): void {
  const persisted: PersistedState = {
    densityScale: state.densityScale,
    eigenvalueAxis: state.eigenvalueAxis,
    selectedRunKey: state.selectedRunKey,
  };
  vscode.setState(persisted);
}

function plotly(): PlotlyApi | null {
  return (window as unknown as { Plotly?: PlotlyApi }).Plotly ?? null;
}

/** Lists the latest complete report and the history, newest first, without repeating a run. */
function runEntries(): RunEntry[] {
  const reports: Array<{ report: Report; isLatest: boolean }> = [];
  if (state.latest && state.latestComplete) {
    reports.push({ report: state.latest as Report, isLatest: true });
  }
  for (const report of state.history) {
    if (!reports.some((entry) => entry.report.createdAt === report.createdAt)) {
      reports.push({ report, isLatest: false });
    }
  }
  reports.sort((a, b) => String(b.report.createdAt).localeCompare(String(a.report.createdAt)));

  const usedKeys = new Set<string>();
  return reports.map(({ report, isLatest }) => {
    let key = String(report.createdAt);
    for (let suffix = 2; usedKeys.has(key); suffix++) {
      key = `${report.createdAt}#${suffix}`;
    }
    usedKeys.add(key);
    return { key, report, isLatest };
  });
}

/** Returns the report on screen, whether it is still being computed, and its history entry when one was picked. */
function displayed(): { report: PartialReport | null; running: boolean; entry: RunEntry | null } {
  if (state.selectedRunKey !== null) {
    const entry = runEntries().find((run) => run.key === state.selectedRunKey);
    if (entry) {
      return { report: entry.report, running: false, entry };
    }
  }
  return { report: state.latest, running: state.running && !state.latestComplete, entry: null };
}

function showPageError(message: string | null): void {
  const error = byId('page-error');
  error.hidden = message === null;
  error.textContent = message ?? '';
}

/** Runs one section's rendering so that a malformed field breaks only that section. */
function renderSection(name: string, render: () => void): void {
  try {
    render();
  } catch (error) {
    console.error(`Hessian spectrum: the ${name} section failed to render`, error);
    showPageError(`The ${name} section could not be drawn: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function setPlaceholder(chart: ChartName, text: string | null): void {
  const placeholder = byId(`${chart}-placeholder`);
  placeholder.hidden = text === null;
  placeholder.textContent = text ?? '';
}

/** Draws a figure into its container, or shows the placeholder text when there is nothing to draw. */
function drawChart(chart: ChartName, figure: Figure | null, placeholder: string): void {
  const container = byId(`${chart}-plot`);
  const plotlyApi = plotly();

  if (figure === null) {
    if (plotlyApi && container.classList.contains('js-plotly-plot')) {
      plotlyApi.purge(container);
    }
    container.hidden = true;
    setPlaceholder(chart, placeholder);
    return;
  }
  if (!plotlyApi) {
    container.hidden = true;
    setPlaceholder(chart, 'Charts are unavailable because plotly.js did not load. The tables below still show the values.');
    return;
  }

  container.hidden = false;
  setPlaceholder(chart, null);
  void plotlyApi
    .react(container, figure.data, figure.layout, {
      responsive: true,
      displaylogo: false,
      // The mode bar's download cannot save files from a webview; the Save PNG button does.
      modeBarButtonsToRemove: ['toImage', 'select2d', 'lasso2d'],
    })
    .catch((error: unknown) => {
      console.error(`Hessian spectrum: Plotly failed to draw the ${chart} chart`, error);
      showPageError(`The ${chart} chart could not be drawn: ${error instanceof Error ? error.message : String(error)}`);
    });
}

function renderCharts(report: PartialReport | null, running: boolean): void {
  renderSection('density chart', () => {
    const density = report?.density;
    const figure =
      density && density.grid.length > 0
        ? buildDensityFigure(density, report?.eigenvalues, { densityScale: state.densityScale, eigenvalueAxis: state.eigenvalueAxis }, chartTheme)
        : null;
    drawChart('density', figure, placeholderText(running, 'density', 'The density is not in this report.'));
  });

  renderSection('per-layer chart', () => {
    const layers = report?.layers;
    const figure = layers && layers.length > 0 ? buildLayersFigure(layers, chartTheme) : null;
    const notComputed = report?.settings?.perLayer === false ? 'Per-layer curvature was turned off (perLayer setting).' : 'Per-layer curvature is not in this report.';
    drawChart('layers', figure, placeholderText(running, 'layers', notComputed));
  });

  renderSection('loss slice chart', () => {
    const slice = report?.slice;
    const figure = slice && slice.alphas.length > 0 ? buildSliceFigure(slice, report?.lossValue, chartTheme) : null;
    const notComputed = report?.settings?.slicePoints === 0 ? 'The loss slice was turned off (slicePoints = 0).' : 'The loss slice is not in this report.';
    drawChart('slice', figure, placeholderText(running, 'slice', notComputed));
  });
}

function updateToggles(): void {
  for (const [prefix, value] of [
    ['density-scale', state.densityScale],
    ['eigenvalue-axis', state.eigenvalueAxis],
  ] as const) {
    for (const button of document.querySelectorAll<HTMLButtonElement>(`[id^="${prefix}-"]`)) {
      button.setAttribute('aria-pressed', String(button.dataset.value === value));
    }
  }
}

function updateExportButtons(report: PartialReport | null): void {
  byId<HTMLButtonElement>('export-json').disabled = report === null;
  byId<HTMLButtonElement>('export-csv').disabled = report === null;
  byId<HTMLButtonElement>('export-png-density').disabled = !report?.density;
  byId<HTMLButtonElement>('export-png-layers').disabled = !report?.layers?.length;
  byId<HTMLButtonElement>('export-png-slice').disabled = !report?.slice;
}

function selectRun(key: string | null): void {
  state.selectedRunKey = key;
  persistState();
  render();
}

function openLayer(layerName: string): void {
  vscode.postMessage({ type: 'openLayer', layerName });
}

function render(): void {
  showPageError(null);
  const { report, running, entry } = displayed();
  if (state.selectedRunKey !== null && entry === null) {
    // The picked run is no longer in the history.
    state.selectedRunKey = null;
    persistState();
  }

  renderSection('header', () => renderHeader(report));
  renderSection('status', () => renderStatus(state));
  renderSection('banner', () => renderViewingBanner(entry, selectRun));
  renderSection('warnings', () => renderWarnings(report));
  renderSection('summary', () => renderSummary(report ?? {}, running));
  renderSection('eigenvalues', () => renderEigenvalues(report ?? {}, running));
  renderSection('per-layer table', () => renderLayersTable(report ?? {}, running, openLayer));
  renderSection('history', () => renderHistory(runEntries(), state.selectedRunKey, selectRun));
  renderSection('details', () => renderDetails(report ?? {}));
  renderSection('density note', () => renderDensityNote(report));
  renderCharts(report, running);
  updateToggles();
  updateExportButtons(report);
}

function handleMessage(message: ExtensionToWebviewMessage): void {
  switch (message.type) {
    case 'report':
      state.latest = message.report;
      state.latestComplete = true;
      state.history = message.history;
      state.running = false;
      state.progress = null;
      state.stoppedMessage = null;
      break;
    case 'partial':
      state.latest = message.partial;
      state.latestComplete = false;
      state.running = true;
      state.stoppedMessage = null;
      break;
    case 'progress':
      if (state.stoppedMessage !== null && !state.latestComplete) {
        // A new analysis has started; the partial results of the stopped one no longer apply.
        state.latest = null;
      }
      state.progress = message.event;
      state.running = true;
      state.stoppedMessage = null;
      break;
    case 'history':
      state.history = message.history;
      break;
    case 'stopped':
      state.running = false;
      state.progress = null;
      state.stoppedMessage = message.message;
      break;
  }
  render();
}

/** Builds a file name from the model's name and the run's time, with only portable characters. */
function exportFileName(report: PartialReport, suffix: string, extension: string): string {
  const model = baseName(report.model?.path ?? 'model').replace(/\.[^.]*$/, '');
  const time = (report.createdAt ?? 'partial').replace(/[:.]/g, '-');
  const name = `${model}-${suffix}-${time}`.replace(/[^A-Za-z0-9._-]+/g, '_');
  return `${name}.${extension}`;
}

function exportText(format: 'json' | 'csv'): void {
  const { report } = displayed();
  if (!report) {
    return;
  }
  const content = format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : reportToCsv(report);
  vscode.postMessage({ type: 'export', format, fileName: exportFileName(report, 'hessian', format), content });
}

async function exportPng(chart: ChartName, button: HTMLButtonElement): Promise<void> {
  const { report } = displayed();
  const plotlyApi = plotly();
  const container = byId(`${chart}-plot`);
  if (!report || !plotlyApi || container.hidden) {
    return;
  }

  button.disabled = true;
  try {
    const dataUrl = await plotlyApi.toImage(container, {
      format: 'png',
      width: Math.max(container.clientWidth, 640),
      height: Math.max(container.clientHeight, 320),
      scale: 2,
    });
    if (!dataUrl.startsWith(PNG_DATA_URL_PREFIX)) {
      throw new Error('Plotly.toImage did not return a PNG data URL.');
    }
    vscode.postMessage({ type: 'export', format: 'png', fileName: exportFileName(report, chart, 'png'), dataUrl });
  } catch (error) {
    console.error(`Hessian spectrum: PNG export of the ${chart} chart failed`, error);
    showPageError(`The ${chart} chart could not be saved as PNG: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    button.disabled = false;
  }
}

function wireControls(): void {
  byId('export-json').addEventListener('click', () => exportText('json'));
  byId('export-csv').addEventListener('click', () => exportText('csv'));
  for (const chart of ['density', 'layers', 'slice'] as const) {
    const button = byId<HTMLButtonElement>(`export-png-${chart}`);
    button.addEventListener('click', () => void exportPng(chart, button));
  }

  for (const scale of ['linear', 'log'] as const) {
    byId(`density-scale-${scale}`).addEventListener('click', () => {
      state.densityScale = scale;
      persistState();
      render();
    });
  }
  for (const axis of ['linear', 'symlog'] as const) {
    byId(`eigenvalue-axis-${axis}`).addEventListener('click', () => {
      state.eigenvalueAxis = axis;
      persistState();
      render();
    });
  }
}

function start(): void {
  buildFrame(byId('app'));
  chartTheme = readChartTheme();
  wireControls();

  observeThemeChanges(() => {
    chartTheme = readChartTheme();
    const { report, running } = displayed();
    renderCharts(report, running);
  });

  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (!isExtensionToWebviewMessage(event.data)) {
      console.warn('Hessian spectrum: ignored a message of unknown shape', event.data);
      return;
    }
    handleMessage(event.data);
  });

  render();
  vscode.postMessage({ type: 'ready' });
}

start();

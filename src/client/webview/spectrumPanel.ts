/**
 * The spectrum webview panel: one panel per model, which shows that model's report,
 * follows a running analysis, and saves the exports that the page prepares.
 *
 * The panel keeps the state it has sent (report, history, partial report,
 * progress). The page sends a `ready` message whenever it loads, including each
 * time VS Code reloads a hidden webview, and the panel then sends that state again,
 * so no update is lost.
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PartialReport } from '../../engine/api';
import type { ProgressEvent, Report } from '../../engine/report';
import {
  isWebviewToExtensionMessage,
  PNG_DATA_URL_PREFIX,
  type ExportMessage,
  type ExtensionToWebviewMessage,
} from './messages';
import { renderPanelHtml } from './panelHtml';

/** The eight bytes that start every PNG file. */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const EXPORT_FILTERS: Record<ExportMessage['format'], Record<string, string[]>> = {
  json: { JSON: ['json'] },
  csv: { CSV: ['csv'] },
  png: { 'PNG image': ['png'] },
};

/** Identifies a model across calls: the resolved path, case-folded where the file system ignores case. */
function modelKey(modelPath: string): string {
  const resolved = path.resolve(modelPath);
  return process.platform === 'win32' ? resolved.toLowerCase() : resolved;
}

/** Keeps the base name of a suggested file name, replaces unusual characters and enforces the extension. */
function safeFileName(suggested: string, extension: string): string {
  const base = path.basename(suggested).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '');
  const withoutExtension = base.replace(/\.[^.]*$/, '') || 'hessian-spectrum';
  return `${withoutExtension}.${extension}`;
}

/**
 * Makes model text safe for a notification. VS Code turns `[label](target)` in
 * notification text into links, so brackets from a layer name are removed.
 */
function notificationText(text: string): string {
  const plain = text.replace(/[[\]]/g, '');
  return plain.length > 80 ? `${plain.slice(0, 77)}...` : plain;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Decodes the PNG that the page sent, or throws when it is not a PNG. */
function decodePng(dataUrl: string): Uint8Array {
  const base64 = dataUrl.slice(PNG_DATA_URL_PREFIX.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) {
    throw new Error('the PNG data URL is not valid base64');
  }
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length < PNG_SIGNATURE.length || !bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
    throw new Error('the image data is not a PNG file');
  }
  return bytes;
}

export class SpectrumPanel implements vscode.Disposable {
  /** View type of the webview panel; a serializer would be registered under this name. */
  static readonly viewType = 'hessianSpectrum.spectrum';

  private static readonly panels = new Map<string, SpectrumPanel>();

  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  /** Fires once, when the user closes the panel or `dispose` is called. */
  readonly onDidDispose: vscode.Event<void> = this.disposeEmitter.event;

  private readonly disposables: vscode.Disposable[] = [];
  private report: Report | null;
  private history: Report[];
  private partial: PartialReport | null = null;
  private progress: ProgressEvent | null = null;
  private stoppedMessage: string | null = null;
  private disposed = false;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    readonly modelPath: string,
    report: Report | null,
    history: Report[],
  ) {
    this.report = report;
    this.history = history;

    panel.webview.html = this.renderHtml();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => this.handleMessage(message)),
    );
  }

  /**
   * Reveals the panel of `modelPath`, or creates it. A non-null `report` replaces the
   * panel's report and history. With a null report, an existing panel keeps its
   * report, and a non-empty `history` replaces its history.
   */
  static show(extensionUri: vscode.Uri, modelPath: string, report: Report | null, history: Report[]): SpectrumPanel {
    const key = modelKey(modelPath);
    const existing = SpectrumPanel.panels.get(key);
    if (existing) {
      existing.panel.reveal();
      if (report) {
        existing.setReport(report, history);
      } else if (history.length > 0) {
        existing.history = history;
        existing.post({ type: 'history', history });
      }
      return existing;
    }

    const panel = vscode.window.createWebviewPanel(
      SpectrumPanel.viewType,
      `Spectrum: ${path.basename(modelPath)}`,
      SpectrumPanel.columnForNewPanel(),
      {
        enableScripts: true,
        enableFindWidget: true,
        localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist')],
      },
    );
    let spectrumPanel: SpectrumPanel;
    try {
      spectrumPanel = new SpectrumPanel(panel, extensionUri, modelPath, report, history);
    } catch (error) {
      // Without this the editor would keep an empty tab that no command can reach.
      panel.dispose();
      throw error;
    }
    SpectrumPanel.panels.set(key, spectrumPanel);
    return spectrumPanel;
  }

  /**
   * Returns the column of an open spectrum panel, so that the panels of
   * several models share one editor group as tabs. With none open, it returns
   * the column beside the active editor.
   */
  private static columnForNewPanel(): vscode.ViewColumn {
    for (const open of SpectrumPanel.panels.values()) {
      if (open.panel.viewColumn !== undefined) {
        return open.panel.viewColumn;
      }
    }
    return vscode.ViewColumn.Beside;
  }

  /** Returns the open panel of a model, if there is one. */
  static find(modelPath: string): SpectrumPanel | undefined {
    return SpectrumPanel.panels.get(modelKey(modelPath));
  }

  /**
   * Adds the fields of a running analysis. The first update after a finished or
   * stopped analysis starts a new partial report; later ones are merged into it.
   */
  update(partial: PartialReport): void {
    this.forgetStoppedRun();
    this.partial = { ...(this.partial ?? {}), ...partial };
    this.post({ type: 'partial', partial: this.partial });
  }

  /** Shows a finished report and the model's earlier runs (newest first), and ends the running state. */
  setReport(report: Report, history: Report[]): void {
    this.report = report;
    this.history = history;
    this.partial = null;
    this.progress = null;
    this.stoppedMessage = null;
    this.post({ type: 'report', report, history });
  }

  /** Shows the progress of the running analysis. */
  setProgress(event: ProgressEvent): void {
    this.forgetStoppedRun();
    this.progress = event;
    this.post({ type: 'progress', event });
  }

  /**
   * Ends the running state without a report, for a cancelled or failed analysis.
   * The page keeps the partial results and shows `message`.
   */
  showAnalysisStopped(message: string): void {
    this.progress = null;
    this.stoppedMessage = message;
    this.post({ type: 'stopped', message });
  }

  /** Drops the partial report of a stopped analysis once a new analysis sends its first event. */
  private forgetStoppedRun(): void {
    if (this.stoppedMessage !== null) {
      this.stoppedMessage = null;
      this.partial = null;
    }
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    const key = modelKey(this.modelPath);
    if (SpectrumPanel.panels.get(key) === this) {
      SpectrumPanel.panels.delete(key);
    }
    this.panel.dispose();
    for (const disposable of this.disposables.splice(0)) {
      disposable.dispose();
    }
    this.disposeEmitter.fire();
    this.disposeEmitter.dispose();
  }

  private renderHtml(): string {
    const webview = this.panel.webview;
    const asset = (...segments: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...segments)).toString();
    return renderPanelHtml({
      cspSource: webview.cspSource,
      nonce: crypto.randomBytes(18).toString('base64'),
      scriptUri: asset('dist', 'webview.js'),
      plotlyUri: asset('dist', 'plotly.js'),
      styleUri: asset('media', 'spectrum.css'),
      title: `Hessian spectrum: ${path.basename(this.modelPath)}`,
    });
  }

  private post(message: ExtensionToWebviewMessage): void {
    if (this.disposed) {
      return;
    }
    // A hidden webview drops messages; it sends `ready` when it loads again and gets the state then.
    this.panel.webview.postMessage(message).then(undefined, (error: unknown) => {
      console.error(`Hessian spectrum: posting a ${message.type} message to the panel of ${this.modelPath} failed`, error);
    });
  }

  /** Sends everything the page needs to show the current state. */
  private postState(): void {
    if (this.report) {
      this.post({ type: 'report', report: this.report, history: this.history });
    } else if (this.history.length > 0) {
      this.post({ type: 'history', history: this.history });
    }
    if (this.partial) {
      this.post({ type: 'partial', partial: this.partial });
    }
    if (this.progress) {
      this.post({ type: 'progress', event: this.progress });
    }
    if (this.stoppedMessage !== null) {
      this.post({ type: 'stopped', message: this.stoppedMessage });
    }
  }

  private handleMessage(message: unknown): void {
    if (!isWebviewToExtensionMessage(message)) {
      console.warn(`Hessian spectrum: ignored a malformed message from the panel of ${this.modelPath}`);
      return;
    }
    switch (message.type) {
      case 'ready':
        this.postState();
        break;
      case 'export':
        void this.saveExport(message);
        break;
      case 'openLayer':
        void this.openLayer(message.layerName);
        break;
    }
  }

  private async saveExport(message: ExportMessage): Promise<void> {
    const fileName = safeFileName(message.fileName, message.format);
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(vscode.Uri.file(path.dirname(this.modelPath)), fileName),
      filters: EXPORT_FILTERS[message.format],
      title: `Save the Hessian spectrum as ${message.format.toUpperCase()}`,
    });
    if (!target) {
      return;
    }

    try {
      const bytes = message.format === 'png' ? decodePng(message.dataUrl) : Buffer.from(message.content, 'utf8');
      await vscode.workspace.fs.writeFile(target, bytes);
      void vscode.window.showInformationMessage(`Saved ${path.basename(target.fsPath)}.`);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      void vscode.window.showErrorMessage(`Saving ${target.fsPath} failed: ${reason}.`);
    }
  }

  /** Opens the model file at the layer's `"name": …` entry; only JSON model files have positions to show. */
  private async openLayer(layerName: string): Promise<void> {
    if (path.extname(this.modelPath).toLowerCase() !== '.json') {
      void vscode.window.showInformationMessage('Layer positions can be shown in JSON model files only; this model is a Keras file.');
      return;
    }

    try {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(this.modelPath));
      const pattern = new RegExp(`"name"\\s*:\\s*${escapeRegExp(JSON.stringify(layerName))}`);
      const match = pattern.exec(document.getText());
      if (!match) {
        void vscode.window.showWarningMessage(
          `Layer "${notificationText(layerName)}" was not found in ${path.basename(this.modelPath)}; the file may have changed since the analysis.`,
        );
        return;
      }
      const start = document.positionAt(match.index);
      const end = document.positionAt(match.index + match[0].length);
      await vscode.window.showTextDocument(document, {
        viewColumn: vscode.ViewColumn.One,
        selection: new vscode.Range(start, end),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      void vscode.window.showErrorMessage(`Opening ${this.modelPath} failed: ${reason}.`);
    }
  }
}

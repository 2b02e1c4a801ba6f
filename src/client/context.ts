import * as path from 'node:path';

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

import {
  AnalysisCancelledNotification,
  AnalysisFailedNotification,
  AnalysisFinishedNotification,
  AnalysisProgressNotification,
  AnalysisStartedNotification,
  CancelRequest,
  GetReportRequest,
  MODEL_FILES_CONTEXT_KEY,
  ModelFilesNotification,
  PartialReportNotification,
  type AnalysisFailedParams,
} from '../protocol';
import { AnalysisProgressViews } from './analysisProgress';
import { createLanguageClient } from './languageClient';
import { SpectrumPanel } from './webview/spectrumPanel';

/**
 * State of the extension while it is active: the language client, the output
 * channel, the progress notifications, the list of model files and every
 * disposable. Commands receive it and keep no state of their own.
 */
export class HessianContext implements vscode.Disposable {
  readonly outputChannel: vscode.LogOutputChannel;
  readonly client: LanguageClient;
  /** Model files of the workspace as the server last listed them. */
  modelFiles: string[] = [];

  private readonly disposables: vscode.Disposable[] = [];
  private readonly progressViews: AnalysisProgressViews;

  constructor(readonly extensionContext: vscode.ExtensionContext) {
    this.outputChannel = vscode.window.createOutputChannel('Hessian Spectrum', { log: true });
    // Weight shards of old TensorFlow.js converters have no extension, so every file is watched.
    const fileWatcher = vscode.workspace.createFileSystemWatcher('**/*');
    this.client = createLanguageClient(extensionContext, this.outputChannel, fileWatcher);
    this.progressViews = new AnalysisProgressViews(async (modelPath) => {
      await this.cancelAnalysis(modelPath);
    });
    this.disposables.push(this.outputChannel, fileWatcher, this.progressViews);
    this.listenToServer();
  }

  get extensionUri(): vscode.Uri {
    return this.extensionContext.extensionUri;
  }

  /** Starts the language server; resolves once the server has replied to `initialize`. */
  async start(): Promise<void> {
    await this.client.start();
  }

  /** Registers a disposable to dispose with the extension. */
  subscribe(disposable: vscode.Disposable): void {
    this.disposables.push(disposable);
  }

  /** Cancels the model's running analysis; the server stops its worker within about a second. */
  async cancelAnalysis(modelPath?: string): Promise<string[]> {
    const result = await this.client.sendRequest(CancelRequest, { modelPath });
    return result.cancelled;
  }

  /** Opens (or reveals) the spectrum panel of a model with its newest report and history. */
  async showSpectrum(modelPath: string): Promise<SpectrumPanel> {
    const { report, history } = await this.client.sendRequest(GetReportRequest, { modelPath });
    return SpectrumPanel.show(this.extensionUri, modelPath, report, history);
  }

  async dispose(): Promise<void> {
    try {
      await this.client.stop();
    } catch (error) {
      this.outputChannel.warn(`Stopping the server failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const disposable of this.disposables.splice(0)) {
      disposable.dispose();
    }
  }

  private listenToServer(): void {
    const client = this.client;
    this.disposables.push(
      client.onNotification(ModelFilesNotification, ({ uris }) => this.setModelFiles(uris)),
      client.onNotification(AnalysisStartedNotification, ({ analysisId, modelPath }) => {
        this.progressViews.start(analysisId, modelPath);
      }),
      client.onNotification(AnalysisProgressNotification, ({ analysisId, modelPath, event }) => {
        this.progressViews.start(analysisId, modelPath);
        this.progressViews.report(analysisId, event);
        SpectrumPanel.find(modelPath)?.setProgress(event);
      }),
      client.onNotification(PartialReportNotification, ({ modelPath, partial }) => {
        SpectrumPanel.find(modelPath)?.update(partial);
      }),
      client.onNotification(AnalysisFinishedNotification, ({ analysisId, modelPath }) => {
        this.progressViews.end(analysisId);
        void this.refreshPanel(modelPath);
      }),
      client.onNotification(AnalysisCancelledNotification, ({ analysisId, modelPath }) => {
        this.progressViews.end(analysisId);
        SpectrumPanel.find(modelPath)?.showAnalysisStopped('The analysis was cancelled.');
      }),
      client.onNotification(AnalysisFailedNotification, (failure) => {
        this.progressViews.end(failure.analysisId);
        SpectrumPanel.find(failure.modelPath)?.showAnalysisStopped(`The analysis failed: ${failure.message}`);
        void this.showFailure(failure);
      }),
    );
  }

  /** Sends the newest report and history to the model's open panel, if it has one. */
  private async refreshPanel(modelPath: string): Promise<void> {
    const panel = SpectrumPanel.find(modelPath);
    if (panel === undefined) {
      return;
    }
    const { report, history } = await this.client.sendRequest(GetReportRequest, { modelPath });
    if (report !== null) {
      panel.setReport(report, history);
    }
  }

  private async showFailure(failure: AnalysisFailedParams): Promise<void> {
    const openFile = 'Open File';
    const showLog = 'Show Log';
    const actions = failure.file !== null ? [openFile, showLog] : [showLog];
    const choice = await vscode.window.showErrorMessage(
      `Hessian analysis of ${path.basename(failure.modelPath)} failed: ${failure.message}`,
      ...actions,
    );
    if (choice === openFile && failure.file !== null) {
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(failure.file));
    } else if (choice === showLog) {
      this.outputChannel.show(true);
    }
  }

  /**
   * Sets the context key of the Analyze menu entries. A `resourcePath` is the
   * file-system path for `file:` resources and the URI path for remote ones, so
   * both spellings go in.
   */
  private setModelFiles(uris: string[]): void {
    const parsed = uris.map((uri) => vscode.Uri.parse(uri));
    this.modelFiles = parsed.map((uri) => uri.fsPath);
    const keys = new Set(parsed.flatMap((uri) => [uri.fsPath, uri.path]));
    this.outputChannel.info(`Model files: ${this.modelFiles.length === 0 ? 'none' : this.modelFiles.join(', ')}.`);
    void vscode.commands.executeCommand('setContext', MODEL_FILES_CONTEXT_KEY, [...keys]);
  }
}

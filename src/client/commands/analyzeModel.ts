import * as path from 'node:path';

import * as vscode from 'vscode';

import { AnalyzeRequest, GetReportRequest } from '../../protocol';
import type { HessianContext } from '../context';
import { SpectrumPanel } from '../webview/spectrumPanel';
import { runLinkDatasetDialog } from '../datasetLink/linkDatasetDialog';
import { pickModel } from './pickModel';

/**
 * Analyses a model. It links a dataset first when the model has none, then
 * requests a run from the server (which may join a running one or serve the
 * cache) and opens the spectrum panel, which fills in as results arrive.
 * Progress, cancel and failures come through the server's notifications, which
 * the context turns into UI.
 */
export async function analyzeModel(context: HessianContext, argument?: unknown): Promise<void> {
  const modelPath = await pickModel(context, argument, 'Analyze the Hessian spectrum of', { offerActiveFile: true });
  if (modelPath === null) {
    return;
  }

  let result = await context.client.sendRequest(AnalyzeRequest, { modelPath });
  if (result.outcome === 'needsDataset') {
    context.outputChannel.info(`${modelPath}: ${result.reason} Asking for a dataset.`);
    const linked = await runLinkDatasetDialog(context, modelPath, result.reason);
    if (!linked) {
      return;
    }
    result = await context.client.sendRequest(AnalyzeRequest, { modelPath });
  }

  switch (result.outcome) {
    case 'cached':
      await context.showSpectrum(modelPath);
      void vscode.window.setStatusBarMessage(`Hessian spectrum of ${path.basename(modelPath)}: files and settings unchanged, cached report shown.`, 5000);
      return;
    case 'started':
    case 'joined': {
      const { report, history } = await context.client.sendRequest(GetReportRequest, { modelPath });
      SpectrumPanel.show(context.extensionUri, modelPath, null, report === null ? history : [report, ...history]);
      return;
    }
    case 'needsDataset':
      void vscode.window.showWarningMessage(`${result.reason} Run "Hessian Spectrum: Link Dataset…" to choose the data.`);
      return;
    case 'failed':
      // The server's analysisFailed notification has shown the error.
      return;
  }
}

import * as path from 'node:path';

import * as vscode from 'vscode';

import { Commands, GetReportRequest } from '../../protocol';
import type { HessianContext } from '../context';
import { pickModel } from './pickModel';

/** Opens the spectrum panel of a model with its newest report, or offers to analyse a model that has none. */
export async function showSpectrum(context: HessianContext, argument?: unknown): Promise<void> {
  const modelPath = await pickModel(context, argument, 'Show the Hessian spectrum of');
  if (modelPath === null) {
    return;
  }
  const { report, runningAnalysisId } = await context.client.sendRequest(GetReportRequest, { modelPath });
  if (report === null && runningAnalysisId === null) {
    const analyze = 'Analyze Model';
    const choice = await vscode.window.showInformationMessage(`${path.basename(modelPath)} has not been analysed yet.`, analyze);
    if (choice === analyze) {
      await vscode.commands.executeCommand(Commands.analyzeModel, modelPath);
    }
    return;
  }
  await context.showSpectrum(modelPath);
}

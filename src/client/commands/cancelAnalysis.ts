import * as path from 'node:path';

import * as vscode from 'vscode';

import type { HessianContext } from '../context';
import { activeEditorPath, pathFromArgument } from '../paths';

/**
 * Cancels the analysis of the model the command was invoked on, or of the model
 * in the active editor; with neither, every running analysis.
 */
export async function cancelAnalysis(context: HessianContext, argument?: unknown): Promise<void> {
  const explicit = pathFromArgument(argument);
  const active = activeEditorPath();
  const modelPath = explicit ?? (active !== null && context.modelFiles.includes(active) ? active : undefined);

  const cancelled = await context.cancelAnalysis(modelPath);
  if (cancelled.length === 0) {
    const subject = modelPath === undefined ? 'No analysis is running.' : `No analysis of ${path.basename(modelPath)} is running.`;
    void vscode.window.showInformationMessage(subject);
  }
}

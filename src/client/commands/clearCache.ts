import * as path from 'node:path';

import * as vscode from 'vscode';

import { ClearCacheRequest } from '../../protocol';
import type { HessianContext } from '../context';
import { pathFromArgument } from '../paths';

/**
 * Deletes cached reports: of the model the command was invoked on, or, after
 * a confirmation, of every model of the workspace.
 */
export async function clearCache(context: HessianContext, argument?: unknown): Promise<void> {
  const modelPath = pathFromArgument(argument) ?? undefined;
  if (modelPath === undefined) {
    const clear = 'Clear All';
    const choice = await vscode.window.showWarningMessage(
      'Delete the cached Hessian reports of every model in this workspace? Lenses and the history go until the models are analysed again.',
      { modal: true },
      clear,
    );
    if (choice !== clear) {
      return;
    }
  }
  const { removedReports } = await context.client.sendRequest(ClearCacheRequest, { modelPath });
  const scope = modelPath === undefined ? 'this workspace' : path.basename(modelPath);
  void vscode.window.showInformationMessage(`Deleted ${removedReports} cached report(s) of ${scope}.`);
}

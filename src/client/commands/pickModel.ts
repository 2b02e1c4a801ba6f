import * as vscode from 'vscode';

import type { HessianContext } from '../context';
import { activeEditorPath, displayPath, pathFromArgument } from '../paths';

/**
 * Picks the model a command acts on: the file it was invoked on (Explorer,
 * editor title, code lens), else the model in the active editor, else the
 * user's choice among the workspace's model files. Returns null when the user
 * picks none.
 */
export async function pickModel(context: HessianContext, argument: unknown, purpose: string): Promise<string | null> {
  const fromArgument = pathFromArgument(argument);
  if (fromArgument !== null) {
    return fromArgument;
  }
  const active = activeEditorPath();
  if (active !== null && context.modelFiles.includes(active)) {
    return active;
  }
  if (context.modelFiles.length === 0) {
    void vscode.window.showInformationMessage(
      'No model file was found in this workspace. Hessian Spectrum reads TensorFlow.js layers models (model.json and weights) and Keras .h5 or .keras files.',
    );
    return null;
  }
  const picked = await vscode.window.showQuickPick(
    context.modelFiles.map((modelPath) => ({ label: displayPath(modelPath), modelPath })),
    { title: purpose, placeHolder: 'Pick a model file' },
  );
  return picked?.modelPath ?? null;
}

import * as path from 'node:path';

import * as vscode from 'vscode';

import type { HessianContext } from '../context';
import { activeEditorPath, displayPath, pathFromArgument } from '../paths';

/**
 * Extensions of files that may contain a model. The server lists only the
 * files whose content it recognises as a model. A file with one of these
 * extensions that fails the check (a truncated model.json, say) can still be
 * analysed on request, and the analysis then reports what is wrong with it.
 */
const MODEL_EXTENSIONS = ['.json', '.h5', '.hdf5', '.keras'];

/**
 * Picks the model a command acts on: the file it was invoked on (Explorer,
 * editor title, code lens), else the model in the active editor, else the
 * user's choice among the workspace's model files. With `offerActiveFile`, the
 * file of the active editor is offered first in that choice when it has a
 * model extension but is not a recognised model, so that analysing it can
 * report what is wrong. Returns null when the user picks none.
 */
export async function pickModel(
  context: HessianContext,
  argument: unknown,
  purpose: string,
  options: { offerActiveFile?: boolean } = {},
): Promise<string | null> {
  const fromArgument = pathFromArgument(argument);
  if (fromArgument !== null) {
    return fromArgument;
  }
  const active = activeEditorPath();
  if (active !== null && context.modelFiles.includes(active)) {
    return active;
  }
  const unrecognised =
    options.offerActiveFile === true && active !== null && MODEL_EXTENSIONS.includes(path.extname(active).toLowerCase()) ? active : null;
  if (context.modelFiles.length === 0 && unrecognised === null) {
    void vscode.window.showInformationMessage(
      'No model file was found in this workspace. Hessian Spectrum reads TensorFlow.js layers models (model.json and weights) and Keras .h5 or .keras files.',
    );
    return null;
  }
  const items: (vscode.QuickPickItem & { modelPath: string })[] = context.modelFiles.map((modelPath) => ({ label: displayPath(modelPath), modelPath }));
  if (unrecognised !== null) {
    items.unshift({
      label: displayPath(unrecognised),
      description: 'active editor',
      detail: 'Not recognised as a model (for instance invalid JSON); the analysis reports why.',
      modelPath: unrecognised,
    });
  }
  const picked = await vscode.window.showQuickPick(items, { title: purpose, placeHolder: 'Pick a model file' });
  return picked?.modelPath ?? null;
}

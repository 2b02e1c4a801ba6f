/**
 * Turning what a command receives into a model path: an Explorer or editor-title
 * URI, a path string from a code lens, or nothing (then the active editor).
 */

import * as vscode from 'vscode';

/** File-system path named by a command argument, or null when it names none. */
export function pathFromArgument(argument: unknown): string | null {
  if (argument instanceof vscode.Uri) {
    return argument.scheme === 'file' ? argument.fsPath : null;
  }
  if (typeof argument === 'string' && argument !== '') {
    return argument.startsWith('file:') ? vscode.Uri.parse(argument).fsPath : argument;
  }
  return null;
}

/** Path of the file in the active editor, when it is a local file. */
export function activeEditorPath(): string | null {
  const uri = vscode.window.activeTextEditor?.document.uri;
  return uri !== undefined && uri.scheme === 'file' ? uri.fsPath : null;
}

/** Formats a path relative to the workspace for labels, or absolute when it lies outside every folder. */
export function displayPath(filePath: string): string {
  return vscode.workspace.asRelativePath(filePath, vscode.workspace.workspaceFolders !== undefined && vscode.workspace.workspaceFolders.length > 1);
}

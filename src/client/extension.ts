/**
 * Entry point of the Hessian Spectrum extension: starts the language server
 * and registers the commands. The server does the work; the client shows it.
 */

import type * as vscode from 'vscode';

import { registerCommands } from './commands';
import { HessianContext } from './context';

let context: HessianContext | null = null;

export async function activate(extensionContext: vscode.ExtensionContext): Promise<void> {
  context = new HessianContext(extensionContext);
  registerCommands(context);
  await context.start();
}

export async function deactivate(): Promise<void> {
  const active = context;
  context = null;
  await active?.dispose();
}

import * as vscode from 'vscode';

import { Commands } from '../../protocol';
import type { HessianContext } from '../context';
import { analyzeModel } from './analyzeModel';
import { cancelAnalysis } from './cancelAnalysis';
import { clearCache } from './clearCache';
import { linkDataset } from './linkDataset';
import { showSpectrum } from './showSpectrum';

type CommandHandler = (context: HessianContext, argument?: unknown) => Promise<void>;

const HANDLERS: Record<(typeof Commands)[keyof typeof Commands], CommandHandler> = {
  [Commands.analyzeModel]: analyzeModel,
  [Commands.showSpectrum]: showSpectrum,
  [Commands.cancelAnalysis]: cancelAnalysis,
  [Commands.linkDataset]: linkDataset,
  [Commands.clearCache]: clearCache,
};

/**
 * Registers every command with the context. A command that throws shows the
 * error and logs it instead of failing silently.
 */
export function registerCommands(context: HessianContext): void {
  for (const [id, handler] of Object.entries(HANDLERS)) {
    context.subscribe(
      vscode.commands.registerCommand(id, async (argument?: unknown) => {
        try {
          await handler(context, argument);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          context.outputChannel.error(`Command ${id} failed: ${message}`);
          void vscode.window.showErrorMessage(`Hessian Spectrum: ${message}`);
        }
      }),
    );
  }
}

import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  TransportKind,
  type CloseHandlerResult,
  type ErrorHandler,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';

import { CONFIGURATION_SECTION, type ServerInitializationOptions } from '../protocol';

/** Restarts allowed within `RESTART_WINDOW_MS` before the client gives up on a crashing server. */
export const MAX_RESTARTS = 5;
export const RESTART_WINDOW_MS = 3 * 60 * 1000;

/** Documents the server gets: model.json files (JSON) and training scripts. */
const DOCUMENT_SELECTOR = ['json', 'jsonc', 'python', 'javascript', 'javascriptreact', 'typescript', 'typescriptreact'].map((language) => ({
  scheme: 'file',
  language,
}));

/**
 * Restarts the server when its process dies, at most `MAX_RESTARTS` times in
 * `RESTART_WINDOW_MS`, and logs every restart.
 */
class RestartingErrorHandler implements ErrorHandler {
  private readonly restarts: number[] = [];

  constructor(private readonly outputChannel: vscode.LogOutputChannel) {}

  error(error: Error, _message: unknown, count: number | undefined): ErrorHandlerResult {
    this.outputChannel.error(`Connection to the server failed (${count ?? 1} time(s) in a row): ${error.message}`);
    return { action: count !== undefined && count > 3 ? ErrorAction.Shutdown : ErrorAction.Continue };
  }

  closed(): CloseHandlerResult {
    const now = Date.now();
    while (this.restarts.length > 0 && now - this.restarts[0] > RESTART_WINDOW_MS) {
      this.restarts.shift();
    }
    if (this.restarts.length >= MAX_RESTARTS) {
      const message =
        `The Hessian Spectrum server stopped ${MAX_RESTARTS + 1} times within ${RESTART_WINDOW_MS / 60000} minutes and was not restarted. ` +
        'The "Hessian Spectrum" output channel has its log; reload the window to start it again.';
      this.outputChannel.error(message);
      return { action: CloseAction.DoNotRestart, message };
    }
    this.restarts.push(now);
    this.outputChannel.warn(`The server stopped; restarting it (restart ${this.restarts.length} of at most ${MAX_RESTARTS}).`);
    return { action: CloseAction.Restart, handled: true };
  }
}

/**
 * Creates (does not start) the client of the server bundled at dist/server.js,
 * connected over IPC. The watcher's events go to the server, which marks results
 * stale and keeps the list of model files.
 */
export function createLanguageClient(
  context: vscode.ExtensionContext,
  outputChannel: vscode.LogOutputChannel,
  fileWatcher: vscode.FileSystemWatcher,
): LanguageClient {
  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6010'] } },
  };

  const storage = context.storageUri ?? context.globalStorageUri;
  const initializationOptions: ServerInitializationOptions = { storagePath: storage.fsPath };

  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    synchronize: { fileEvents: fileWatcher },
    outputChannel,
    initializationOptions,
    errorHandler: new RestartingErrorHandler(outputChannel),
  };
  return new LanguageClient(CONFIGURATION_SECTION, 'Hessian Spectrum', serverOptions, clientOptions);
}

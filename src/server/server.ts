/**
 * Entry point of the Hessian Spectrum language server, started by the client
 * over IPC (`--node-ipc`); `--stdio` works as well, for tests and other editors.
 */

import { ProposedFeatures, createConnection } from 'vscode-languageserver/node';

import { HessianLanguageServer } from './languageServer';

const connection = createConnection(ProposedFeatures.all);

// A fault in one handler must not take the server down with every lens and
// diagnostic. It is logged, and the next request is served as usual.
process.on('uncaughtException', (error) => {
  connection.console.error(`Unexpected error: ${error.stack ?? error.message}`);
});
process.on('unhandledRejection', (reason) => {
  connection.console.error(`Unhandled promise rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
});

new HessianLanguageServer(connection).listen();

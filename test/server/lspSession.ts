/**
 * A minimal LSP client for the server tests. It starts the BUILT server bundle
 * (dist/server.js) as a child process over IPC, replies to the requests that
 * VS Code replies to (configuration, registrations, refreshes) and records what
 * the server publishes.
 */

import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  DidChangeConfigurationNotification,
  CodeLensRefreshRequest,
  CodeLensRequest,
  ConfigurationRequest,
  DidChangeWatchedFilesNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializeRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  type CodeLens,
  type Diagnostic,
  type FileChangeType,
  type NotificationType,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol';
import { IPCMessageReader, IPCMessageWriter, createProtocolConnection } from 'vscode-languageserver-protocol/node';
import { URI } from 'vscode-uri';

import {
  AnalysisCancelledNotification,
  AnalysisFailedNotification,
  AnalysisFinishedNotification,
  AnalysisProgressNotification,
  AnalysisStartedNotification,
  ModelFilesNotification,
  PartialReportNotification,
} from '../../src/protocol';
import { REPO_ROOT } from '../realFiles';

/** The custom notifications of src/protocol.ts, which the session records. */
const SERVER_NOTIFICATIONS = [
  AnalysisStartedNotification,
  AnalysisProgressNotification,
  PartialReportNotification,
  AnalysisFinishedNotification,
  AnalysisFailedNotification,
  AnalysisCancelledNotification,
  ModelFilesNotification,
];

/**
 * Folder of the bundles under test: dist/ of the repository, or the folder that
 * HESSIAN_SPECTRUM_DIST names (for instance extension/dist of an unpacked .vsix).
 */
const DIST_FOLDER = process.env.HESSIAN_SPECTRUM_DIST ?? path.join(REPO_ROOT, 'dist');
export const SERVER_BUNDLE = path.join(DIST_FOLDER, 'server.js');
const WORKER_BUNDLE = path.join(DIST_FOLDER, 'worker.js');
const PRODUCT_WORKER_BUNDLE = path.join(DIST_FOLDER, 'productWorker.js');

/**
 * Builds dist/server.js, worker.js and productWorker.js with webpack when they are missing
 * or older than a source file, so the tests never run a stale bundle. Bundles
 * named by HESSIAN_SPECTRUM_DIST are tested as they are.
 */
export function ensureServerBundle(): void {
  if (process.env.HESSIAN_SPECTRUM_DIST !== undefined) {
    return;
  }
  const newestSource = newestMtime(path.join(REPO_ROOT, 'src'));
  const bundleTime = Math.min(mtimeOf(SERVER_BUNDLE), mtimeOf(WORKER_BUNDLE), mtimeOf(PRODUCT_WORKER_BUNDLE));
  if (bundleTime >= newestSource) {
    return;
  }
  const result = spawnSync(process.execPath, [require.resolve('webpack-cli/bin/cli.js'), '--mode', 'development', '--config-name', 'server'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`Building the server bundle failed:\n${result.stdout}\n${result.stderr}`);
  }
}

function mtimeOf(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function newestMtime(folder: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const entryPath = path.join(folder, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(entryPath) : mtimeOf(entryPath));
  }
  return newest;
}

export function uriOf(filePath: string): string {
  return URI.file(filePath).toString();
}

export interface SessionOptions {
  workspace: string;
  storage: string;
  /** The `hessianSpectrum` configuration section the client returns. */
  settings: Record<string, unknown>;
}

/** A running server and the client side of its connection. */
export class LspSession {
  readonly connection: ProtocolConnection;
  readonly diagnostics = new Map<string, Diagnostic[]>();
  readonly notifications: { method: string; params: unknown }[] = [];
  /** Lines the server logged through `window/logMessage`. */
  readonly log: string[] = [];
  codeLensRefreshes = 0;
  settings: Record<string, unknown>;

  private readonly child: ChildProcess;
  private exited: Promise<void>;

  private constructor(options: SessionOptions) {
    this.settings = options.settings;
    this.child = fork(SERVER_BUNDLE, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child.stderr?.on('data', (chunk: Buffer) => this.log.push(`stderr: ${chunk.toString()}`));
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.connection = createProtocolConnection(new IPCMessageReader(this.child), new IPCMessageWriter(this.child));

    this.connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => this.settings));
    this.connection.onRequest(RegistrationRequest.type, () => undefined);
    this.connection.onRequest(CodeLensRefreshRequest.type, () => {
      this.codeLensRefreshes++;
    });
    this.connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      this.diagnostics.set(params.uri, params.diagnostics);
    });
    this.connection.onNotification('window/logMessage', (params: { message: string }) => {
      this.log.push(params.message);
    });
    for (const type of SERVER_NOTIFICATIONS) {
      this.connection.onNotification(type.method, (params: unknown) => {
        this.notifications.push({ method: type.method, params });
      });
    }
    this.connection.listen();
  }

  /** Starts the server and completes the initialize handshake. */
  static async start(options: SessionOptions): Promise<LspSession> {
    const session = new LspSession(options);
    await session.connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: uriOf(options.workspace),
      workspaceFolders: [{ uri: uriOf(options.workspace), name: path.basename(options.workspace) }],
      capabilities: {
        workspace: {
          configuration: true,
          workspaceFolders: true,
          codeLens: { refreshSupport: true },
          didChangeWatchedFiles: { dynamicRegistration: true },
        },
        textDocument: { publishDiagnostics: { codeDescriptionSupport: true } },
      },
      initializationOptions: { storagePath: options.storage },
    });
    await session.connection.sendNotification(InitializedNotification.type, {});
    return session;
  }

  /** Notifications of one type received so far, in order. */
  received<P>(type: NotificationType<P>): P[] {
    return this.notifications.filter((entry) => entry.method === type.method).map((entry) => entry.params as P);
  }

  /** Waits for the first notification of a type whose parameters pass `accept`, counting those already received. */
  async waitFor<P>(type: NotificationType<P>, accept: (params: P) => boolean = () => true, timeoutMs = 120_000): Promise<P> {
    return waitUntil(() => this.received(type).find(accept), `${type.method} notification`, timeoutMs);
  }

  async open(filePath: string, languageId: string): Promise<string> {
    const uri = uriOf(filePath);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId, version: 1, text: fs.readFileSync(filePath, 'utf8') },
    });
    return uri;
  }

  async codeLenses(filePath: string): Promise<CodeLens[]> {
    return (await this.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: uriOf(filePath) } })) ?? [];
  }

  /**
   * Replaces the settings the client returns and waits until the server has
   * applied them, which it shows by asking for a code lens refresh.
   */
  async changeSettings(settings: Record<string, unknown>): Promise<void> {
    const refreshesBefore = this.codeLensRefreshes;
    this.settings = settings;
    await this.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    await waitUntil(() => (this.codeLensRefreshes > refreshesBefore ? true : undefined), 'the server to apply the new settings', 10_000);
  }

  async fileChanged(filePath: string, type: FileChangeType): Promise<void> {
    await this.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(filePath), type }] });
  }

  /** Sends shutdown and exit, and kills the process if it has not ended within five seconds. */
  async stop(): Promise<void> {
    try {
      await withTimeout(this.connection.sendRequest(ShutdownRequest.type), 10_000);
      await this.connection.sendNotification(ExitNotification.type);
    } catch {
      // The server may already be gone; the kill below ends it either way.
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
    this.connection.dispose();
  }

  /** Kills the server process without a shutdown, as a crash would end it. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
    this.connection.dispose();
  }
}

/** Polls `probe` every 20 ms until it returns a value, or fails after `timeoutMs`. */
export async function waitUntil<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

import * as path from 'node:path';

import {
  CodeLensRefreshRequest,
  DidChangeConfigurationNotification,
  FileChangeType,
  ResponseError,
  TextDocumentSyncKind,
  TextDocuments,
  type CodeLens,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';

import { InputError, UsageError } from '../engine/errors';
import { readSidecar, sidecarPathFor, withoutDataFileFields, writeSidecar } from '../engine/data/sidecar';
import {
  AnalysisCancelledNotification,
  AnalysisFailedNotification,
  AnalysisFinishedNotification,
  AnalysisProgressNotification,
  AnalysisStartedNotification,
  AnalyzeRequest,
  CancelRequest,
  ClearCacheRequest,
  CONFIGURATION_SECTION,
  DescribeDataFileRequest,
  DescribeModelRequest,
  DescribeTextColumnsRequest,
  GetReportRequest,
  LinkDatasetRequest,
  ListDataFilesRequest,
  ModelFilesNotification,
  PartialReportNotification,
  type ServerInitializationOptions,
} from '../protocol';
import { AnalysisManager, type AnalysisEvents } from './analysis/analysisManager';
import { ReportCache } from './cache/reportCache';
import { describeDataFile, describeTextColumns, listDataFiles } from './dataFiles';
import { DiagnosticsPublisher } from './diagnostics/diagnosticsPublisher';
import { modelFileLenses } from './lenses/modelFileLenses';
import { matchScript, scriptLenses } from './lenses/scriptLenses';
import { describeError, type Logger } from './logger';
import { ModelIndex } from './modelIndex';
import { ModelRecords } from './modelRecords';
import { isScriptPath, pathToUri, uriToPath } from './paths';
import { DEFAULT_EXTENSION_SETTINGS, parseSettings, type ExtensionSettings } from './settings';

/** Delay between a change of a model's files and the analysis that `analyzeOnSave` starts, in milliseconds. */
const ANALYZE_ON_SAVE_DELAY_MS = 1000;

/**
 * The Hessian Spectrum language server: code lenses and diagnostics from the
 * analyses, the custom requests of src/protocol.ts, and the file events that
 * keep the model list and the staleness of results current.
 */
export class HessianLanguageServer {
  private readonly documents = new TextDocuments(TextDocument);
  private readonly records = new ModelRecords();
  private readonly logger: Logger;
  private settings: ExtensionSettings = DEFAULT_EXTENSION_SETTINGS;
  private roots: string[] = [];
  private storagePath = '';
  private manager!: AnalysisManager;
  private modelIndex!: ModelIndex;
  private diagnostics!: DiagnosticsPublisher;
  private canRefreshCodeLenses = false;
  private canPullConfiguration = false;
  private canWatchWorkspaceFolders = false;
  private lensRefreshTimer: NodeJS.Timeout | null = null;
  private readonly analyzeOnSaveTimers = new Map<string, NodeJS.Timeout>();
  /** Resolves once the cache is loaded and the workspace scanned. */
  private ready: Promise<void> = Promise.resolve();

  constructor(private readonly connection: Connection) {
    this.logger = {
      info: (message) => connection.console.info(message),
      warn: (message) => connection.console.warn(message),
      error: (message) => connection.console.error(message),
    };
  }

  listen(): void {
    const connection = this.connection;
    connection.onInitialize((params) => this.initialize(params));
    connection.onInitialized(() => {
      this.ready = this.start();
    });
    connection.onShutdown(async () => {
      this.diagnostics?.dispose();
      await this.manager?.dispose();
    });

    connection.onCodeLens((params) => this.codeLenses(params.textDocument.uri));
    connection.onDidChangeConfiguration(() => void this.reloadSettings());
    connection.onDidChangeWatchedFiles((params) => void this.onFilesChanged(params.changes));

    this.registerRequests();

    this.documents.onDidOpen((event) => this.onScriptChanged(event.document.uri));
    this.documents.onDidChangeContent((event) => this.onScriptChanged(event.document.uri));
    this.documents.onDidClose((event) => this.onScriptChanged(event.document.uri));
    this.documents.onDidSave((event) => this.onDocumentSaved(event.document.uri));
    this.documents.listen(connection);
    connection.listen();
  }

  private initialize(params: InitializeParams): InitializeResult {
    const options = (params.initializationOptions ?? {}) as Partial<ServerInitializationOptions>;
    if (typeof options.storagePath !== 'string' || options.storagePath === '') {
      throw new Error('initializationOptions.storagePath is missing: the client must pass the extension storage folder.');
    }
    this.storagePath = options.storagePath;
    this.roots = workspaceRoots(params);
    this.canRefreshCodeLenses = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    this.canPullConfiguration = params.capabilities.workspace?.configuration === true;
    this.canWatchWorkspaceFolders = params.capabilities.workspace?.workspaceFolders === true;

    const cache = new ReportCache(this.storagePath);
    this.manager = new AnalysisManager(this.records, cache, this.analysisEvents(), this.logger, () => this.settings);
    this.modelIndex = new ModelIndex(this.logger, [this.storagePath], (models) => {
      void this.connection.sendNotification(ModelFilesNotification, { uris: models.map(pathToUri) });
      this.scheduleLensRefresh();
    });
    this.diagnostics = new DiagnosticsPublisher(this.connection, this.documents, this.records, () => this.settings.thresholds, this.logger);

    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        codeLensProvider: { resolveProvider: false },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'Hessian Spectrum' },
    };
  }

  private async start(): Promise<void> {
    this.logger.info(`Server started (process ${process.pid}); workspace folders: ${this.roots.join(', ') || 'none'}; storage: ${this.storagePath}.`);
    if (this.canPullConfiguration) {
      await this.connection.client.register(DidChangeConfigurationNotification.type, { section: CONFIGURATION_SECTION });
    }
    if (this.canWatchWorkspaceFolders) {
      this.connection.workspace.onDidChangeWorkspaceFolders(() => void this.rescanWorkspace());
    }
    await this.reloadSettings();
    await this.manager.loadCache();
    await this.modelIndex.scan(this.roots);
    this.refreshViews();
  }

  private analysisEvents(): AnalysisEvents {
    const connection = this.connection;
    return {
      started: (params) => void connection.sendNotification(AnalysisStartedNotification, params),
      progress: (params) => void connection.sendNotification(AnalysisProgressNotification, params),
      partial: (params) => void connection.sendNotification(PartialReportNotification, params),
      finished: (params) => void connection.sendNotification(AnalysisFinishedNotification, params),
      failed: (params) => void connection.sendNotification(AnalysisFailedNotification, params),
      cancelled: (params) => void connection.sendNotification(AnalysisCancelledNotification, params),
      recordChanged: () => this.refreshViews(),
    };
  }

  private registerRequests(): void {
    const connection = this.connection;
    connection.onRequest(AnalyzeRequest, (params) => this.guard('analyze', async () => {
      await this.ready;
      return this.manager.analyze(params.modelPath, params.force === true);
    }));
    connection.onRequest(CancelRequest, (params) => this.guard('cancel', async () => ({ cancelled: await this.manager.cancel(params.modelPath) })));
    connection.onRequest(GetReportRequest, (params) => this.guard('getReport', async () => {
      await this.ready;
      const record = this.records.get(params.modelPath);
      return {
        report: record?.entries[0]?.report ?? null,
        history: (record?.entries ?? []).slice(1).map((entry) => entry.report),
        stale: record?.stale ?? false,
        runningAnalysisId: this.manager.runningAnalysisId(params.modelPath),
      };
    }));
    connection.onRequest(ClearCacheRequest, (params) => this.guard('clearCache', async () => ({
      removedReports: await this.manager.clearCache(params.modelPath),
    })));
    connection.onRequest(ListDataFilesRequest, () => this.guard('listDataFiles', async () => {
      await this.ready;
      return { paths: await listDataFiles(this.roots, (file) => this.modelIndex.has(file), [this.storagePath]) };
    }));
    connection.onRequest(DescribeDataFileRequest, (params) => this.guard('describeDataFile', () => describeDataFile(params.path)));
    connection.onRequest(DescribeTextColumnsRequest, (params) =>
      this.guard('describeTextColumns', async () => ({ columns: await describeTextColumns(params.path, params.labelColumn) })),
    );
    connection.onRequest(DescribeModelRequest, (params) => this.guard('describeModel', async () => {
      const facts = await this.manager.describeModel(params.modelPath);
      const sidecar = await readSidecar(params.modelPath);
      const link =
        sidecar === null || sidecar.data === undefined
          ? null
          : {
              data: sidecar.data,
              labels: sidecar.labels,
              labelColumn: sidecar.labelColumn,
              xKey: sidecar.xKey,
              yKey: sidecar.yKey,
              categories: sidecar.categories,
              loss: sidecar.loss,
            };
      return { ...facts, link, sidecarPath: sidecarPathFor(params.modelPath) };
    }));
    connection.onRequest(LinkDatasetRequest, (params) => this.guard('linkDataset', async () => {
      const existing = await readSidecar(params.modelPath).catch(() => null);
      // A new link replaces every field of the old data file, and keeps the others (loss, samples, seed, output).
      const sidecarPath = await writeSidecar(params.modelPath, { ...withoutDataFileFields(existing ?? {}), ...params.link });
      this.logger.info(`${params.modelPath}: linked ${params.link.data} in ${sidecarPath}.`);
      return { sidecarPath };
    }));
  }

  /**
   * Runs a request handler so that no failure escapes: input and usage errors
   * become response errors with their message, anything else is logged too.
   */
  private async guard<T>(name: string, handler: () => Promise<T>): Promise<T | ResponseError<void>> {
    try {
      return await handler();
    } catch (error) {
      if (!(error instanceof InputError || error instanceof UsageError)) {
        this.logger.error(`Request ${name} failed: ${error instanceof Error && error.stack !== undefined ? error.stack : describeError(error)}`);
      }
      return new ResponseError<void>(1, describeError(error));
    }
  }

  private codeLenses(uri: string): CodeLens[] {
    const document = this.documents.get(uri);
    const filePath = uriToPath(uri);
    if (document === undefined || filePath === null) {
      return [];
    }
    const record = this.records.get(filePath);
    if (this.modelIndex.has(filePath) || record !== undefined) {
      return modelFileLenses(document, filePath, record);
    }
    if (isScriptPath(filePath)) {
      const models = this.records.latestReports();
      return models.length === 0 ? [] : scriptLenses(matchScript(document.getText(), models));
    }
    return [];
  }

  private async reloadSettings(): Promise<void> {
    if (!this.canPullConfiguration) {
      return;
    }
    try {
      const section: unknown = await this.connection.workspace.getConfiguration({ section: CONFIGURATION_SECTION });
      this.settings = parseSettings(section);
      this.refreshViews();
    } catch (error) {
      this.logger.error(`Reading the settings failed, keeping the previous ones: ${describeError(error)}`);
    }
  }

  private async onFilesChanged(changes: { uri: string; type: FileChangeType }[]): Promise<void> {
    await this.ready;
    const created: string[] = [];
    const deleted: string[] = [];
    for (const change of changes) {
      const filePath = uriToPath(change.uri);
      if (filePath === null) {
        continue;
      }
      if (change.type === FileChangeType.Deleted) {
        deleted.push(filePath);
      } else {
        created.push(filePath);
      }
      const staleModels = await this.manager.checkChangedFile(filePath);
      for (const modelPath of staleModels) {
        this.scheduleAnalyzeOnSave(modelPath);
      }
    }
    await this.modelIndex.update(created, deleted);
  }

  private onDocumentSaved(uri: string): void {
    const filePath = uriToPath(uri);
    if (filePath !== null && this.modelIndex.has(filePath)) {
      this.scheduleAnalyzeOnSave(filePath);
    }
  }

  /** Starts an analysis of the model a moment after its files changed, when `analyzeOnSave` is on. */
  private scheduleAnalyzeOnSave(modelPath: string): void {
    if (!this.settings.analyzeOnSave) {
      return;
    }
    clearTimeout(this.analyzeOnSaveTimers.get(modelPath));
    this.analyzeOnSaveTimers.set(
      modelPath,
      setTimeout(() => {
        this.analyzeOnSaveTimers.delete(modelPath);
        this.logger.info(`${modelPath}: files changed and analyzeOnSave is on; analysing again.`);
        this.manager.analyze(modelPath).catch((error: unknown) => this.logger.error(`${modelPath}: analysis on save failed: ${describeError(error)}`));
      }, ANALYZE_ON_SAVE_DELAY_MS),
    );
  }

  private onScriptChanged(uri: string): void {
    const filePath = uriToPath(uri);
    if (filePath !== null && (isScriptPath(filePath) || this.modelIndex.has(filePath))) {
      this.diagnostics.schedule();
    }
  }

  private async rescanWorkspace(): Promise<void> {
    const folders = (await this.connection.workspace.getWorkspaceFolders()) ?? [];
    this.roots = folders.map((folder) => uriToPath(folder.uri)).filter((folder): folder is string => folder !== null);
    await this.modelIndex.scan(this.roots);
  }

  /** Publishes diagnostics and requests new code lenses from the client. */
  private refreshViews(): void {
    this.diagnostics.schedule();
    this.scheduleLensRefresh();
  }

  private scheduleLensRefresh(): void {
    if (!this.canRefreshCodeLenses || this.lensRefreshTimer !== null) {
      return;
    }
    this.lensRefreshTimer = setTimeout(() => {
      this.lensRefreshTimer = null;
      this.connection.sendRequest(CodeLensRefreshRequest.type).catch((error: unknown) => {
        this.logger.warn(`Refreshing code lenses failed: ${describeError(error)}`);
      });
    }, 100);
  }
}

function workspaceRoots(params: InitializeParams): string[] {
  const uris = params.workspaceFolders?.map((folder) => folder.uri) ?? (params.rootUri ? [params.rootUri] : []);
  return uris.map(uriToPath).filter((root): root is string => root !== null).map((root) => path.resolve(root));
}

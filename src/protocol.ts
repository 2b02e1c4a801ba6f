/**
 * The custom LSP requests and notifications between the extension's client and
 * its language server, declared once. Client and server import these types and
 * nothing else of each other, so this page is the whole protocol.
 *
 * Paths are absolute file-system paths of the machine that runs the server
 * (the workspace machine, since the extension is a workspace extension). Every
 * message about one run carries its `analysisId`, which the server also writes
 * in its log lines.
 */

import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';

import type { PartialReport } from './engine/api';
import type { Sidecar } from './engine/data/sidecar';
import type { LossName, ModelFormat, ProgressEvent, Report } from './engine/report';

/** Options the client passes in the `initialize` request. */
export interface ServerInitializationOptions {
  /**
   * Folder of the extension's workspace storage (`ExtensionContext.storageUri`), or
   * of its global storage when no folder is open. The analysis cache lives here.
   */
  storagePath: string;
}

// ---------------------------------------------------------------------------
// Analysis

export interface AnalyzeParams {
  modelPath: string;
  /** Run again even when a cached report for the same files and settings is still valid. */
  force?: boolean;
}

/**
 * Outcome of an analyze request, returned as soon as the server has decided
 * what to do; the run itself reports through the notifications below.
 * - `started`: a new run began.
 * - `joined`: a run of the same model and settings was already going; this is its id.
 * - `cached`: a valid cached report exists and `force` was not set; no run started.
 * - `needsDataset`: the model has no linked data; link one with `linkDataset` first.
 * - `failed`: the inputs could not be read (a broken sidecar, for instance); the
 *   server has also sent `analysisFailed` and published a diagnostic.
 */
export type AnalyzeResult =
  | { outcome: 'started' | 'joined'; analysisId: string }
  | { outcome: 'cached'; report: Report }
  | { outcome: 'needsDataset'; reason: string }
  | { outcome: 'failed'; failure: AnalysisFailedParams };

export const AnalyzeRequest = new RequestType<AnalyzeParams, AnalyzeResult, void>('hessianSpectrum/analyze');

export interface CancelParams {
  /** Cancels the run of this model; omit it to cancel every running analysis. */
  modelPath?: string;
}

export interface CancelResult {
  /** Ids of the runs that were stopped. */
  cancelled: string[];
}

/**
 * Stops a run. The server sets the worker's cancel flag and terminates the
 * thread when it has not stopped within a second. No cache entry is written for
 * a cancelled run.
 */
export const CancelRequest = new RequestType<CancelParams, CancelResult, void>('hessianSpectrum/cancel');

export interface GetReportParams {
  modelPath: string;
}

export interface GetReportResult {
  /** Newest report of the model, or null when it was never analysed. */
  report: Report | null;
  /** Earlier reports of the same model, newest first, without `report`. */
  history: Report[];
  /** True when a model, weight or data file changed since `report` was computed. */
  stale: boolean;
  /** Id of the model's running analysis, or null. */
  runningAnalysisId: string | null;
}

export const GetReportRequest = new RequestType<GetReportParams, GetReportResult, void>('hessianSpectrum/getReport');

export interface ClearCacheParams {
  /** Clears the reports of this model only; omit it to clear the whole workspace cache. */
  modelPath?: string;
}

export interface ClearCacheResult {
  /** Number of cached reports deleted. */
  removedReports: number;
}

export const ClearCacheRequest = new RequestType<ClearCacheParams, ClearCacheResult, void>('hessianSpectrum/clearCache');

// ---------------------------------------------------------------------------
// Dataset linking

/** Data files of the workspace that can hold a dataset, model files excluded. */
export interface ListDataFilesResult {
  paths: string[];
}

export const ListDataFilesRequest = new RequestType0<ListDataFilesResult, void>('hessianSpectrum/listDataFiles');

export interface DescribeDataFileParams {
  path: string;
}

/**
 * Contents of a data file that the linking dialogue offers: the columns of a CSV
 * header, the array names of a .npz archive, the keys or the columns of a JSON
 * file, the shape of a .npy array.
 */
export type DataFileDescription =
  | { kind: 'csv'; columns: string[] }
  | { kind: 'npz'; arrays: string[] }
  | { kind: 'npy'; shape: number[]; dtype: string }
  | { kind: 'json-rows'; columns: string[] }
  | { kind: 'json-arrays'; keys: string[] };

export const DescribeDataFileRequest = new RequestType<DescribeDataFileParams, DataFileDescription, void>(
  'hessianSpectrum/describeDataFile',
);

export interface DescribeTextColumnsParams {
  path: string;
  labelColumn: string;
}

/**
 * Text columns of a CSV or JSON rows file read with `labelColumn` as the label:
 * column name → its distinct values in order of first appearance, which is the
 * numbering the engine uses when no categories are given.
 */
export interface TextColumnsResult {
  columns: Record<string, string[]>;
}

export const DescribeTextColumnsRequest = new RequestType<DescribeTextColumnsParams, TextColumnsResult, void>(
  'hessianSpectrum/describeTextColumns',
);

export interface DescribeModelParams {
  modelPath: string;
}

export interface ModelDescription {
  format: ModelFormat;
  /** Loss the model file records for the analysed output, or null when it records none. */
  loss: LossName | null;
  /** Data and loss the sidecar links today, or null when there is no sidecar. */
  link: DatasetLink | null;
  /** Path of the model's sidecar, whether it exists or not. */
  sidecarPath: string;
}

/** Loads the model's configuration in a worker thread to read what it records. */
export const DescribeModelRequest = new RequestType<DescribeModelParams, ModelDescription, void>('hessianSpectrum/describeModel');

/**
 * The part of the sidecar that the linking dialogue edits. Paths are absolute
 * here; the sidecar stores them relative to its own folder.
 */
export type DatasetLink = Required<Pick<Sidecar, 'data'>> & Pick<Sidecar, 'labels' | 'labelColumn' | 'xKey' | 'yKey' | 'categories' | 'loss'>;

export interface LinkDatasetParams {
  modelPath: string;
  link: DatasetLink;
}

export interface LinkDatasetResult {
  sidecarPath: string;
}

/**
 * Writes the sidecar `<model stem>.hessian.json` beside the model, keeping the
 * sidecar fields that the link does not set. The client sends it only after
 * the user confirmed. Apart from exports that the user saves from the spectrum
 * panel, it is the only file the extension writes in a workspace.
 */
export const LinkDatasetRequest = new RequestType<LinkDatasetParams, LinkDatasetResult, void>('hessianSpectrum/linkDataset');

// ---------------------------------------------------------------------------
// Notifications from the server

export interface AnalysisStartedParams {
  analysisId: string;
  modelPath: string;
}

/** A run began, whether the user asked for it or a save started it. */
export const AnalysisStartedNotification = new NotificationType<AnalysisStartedParams>('hessianSpectrum/analysisStarted');

export interface AnalysisProgressParams {
  analysisId: string;
  modelPath: string;
  event: ProgressEvent;
}

export const AnalysisProgressNotification = new NotificationType<AnalysisProgressParams>('hessianSpectrum/progress');

export interface PartialReportParams {
  analysisId: string;
  modelPath: string;
  partial: PartialReport;
}

/** Report fields as each phase finishes them, for a viewer that draws what it has. */
export const PartialReportNotification = new NotificationType<PartialReportParams>('hessianSpectrum/partialReport');

export interface AnalysisFinishedParams {
  analysisId: string;
  modelPath: string;
  report: Report;
}

export const AnalysisFinishedNotification = new NotificationType<AnalysisFinishedParams>('hessianSpectrum/analysisFinished');

export interface AnalysisFailedParams {
  analysisId: string;
  modelPath: string;
  /**
   * `input`: a model, data or sidecar file is wrong (the user's to fix);
   * `usage`: a setting cannot work; `internal`: a fault of the extension.
   */
  kind: 'input' | 'usage' | 'internal';
  /** The whole message, file name included. */
  message: string;
  /** File that caused the failure, when one did. */
  file: string | null;
  /** Fix the user can apply, when known. */
  fix: string | null;
}

/** A run failed; the server has also published a diagnostic on `file` (or on the model). */
export const AnalysisFailedNotification = new NotificationType<AnalysisFailedParams>('hessianSpectrum/analysisFailed');

export interface AnalysisCancelledParams {
  analysisId: string;
  modelPath: string;
}

export const AnalysisCancelledNotification = new NotificationType<AnalysisCancelledParams>('hessianSpectrum/analysisCancelled');

export interface ModelFilesParams {
  /** URIs of the workspace files that are models, as the server found them. */
  uris: string[];
}

/** The workspace's model files, sent at start-up and whenever the list changes. */
export const ModelFilesNotification = new NotificationType<ModelFilesParams>('hessianSpectrum/modelFiles');

// ---------------------------------------------------------------------------
// Names shared by the manifest, the client and the server

/** Context key holding the model files' paths, for `resourcePath in …` menu clauses. */
export const MODEL_FILES_CONTEXT_KEY = 'hessianSpectrum.modelFiles';

/** Command ids, as package.json contributes them. */
export const Commands = {
  analyzeModel: 'hessianSpectrum.analyzeModel',
  showSpectrum: 'hessianSpectrum.showSpectrum',
  cancelAnalysis: 'hessianSpectrum.cancelAnalysis',
  linkDataset: 'hessianSpectrum.linkDataset',
  clearCache: 'hessianSpectrum.clearCache',
} as const;

/** Configuration section of every setting. */
export const CONFIGURATION_SECTION = 'hessianSpectrum';

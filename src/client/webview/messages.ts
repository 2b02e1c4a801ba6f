/**
 * Messages between the extension (SpectrumPanel) and the spectrum webview page
 * (media/main.ts). Both sides import this module. It contains the message types
 * and the checks that each side runs on what it receives, and nothing that needs
 * `vscode` or the DOM.
 */
import type { PartialReport } from '../../engine/api';
import type { ProgressEvent, Report } from '../../engine/report';

/** A finished analysis and the earlier runs of the same model, newest first. */
export interface ReportMessage {
  type: 'report';
  report: Report;
  history: Report[];
}

/**
 * Every field known so far of the running analysis. Each message replaces the
 * previous partial report, so the panel merges the engine's updates before it
 * sends them.
 */
export interface PartialMessage {
  type: 'partial';
  partial: PartialReport;
}

/** Progress of the running analysis. */
export interface ProgressMessage {
  type: 'progress';
  event: ProgressEvent;
}

/** Earlier runs of the model, newest first, for a panel that has no current report. */
export interface HistoryMessage {
  type: 'history';
  history: Report[];
}

/** The running analysis ended without a report because it was cancelled or failed, as `message` explains. */
export interface StoppedMessage {
  type: 'stopped';
  message: string;
}

export type ExtensionToWebviewMessage = ReportMessage | PartialMessage | ProgressMessage | HistoryMessage | StoppedMessage;

/** Sent once the page's script has started, so the panel can send its state (again, after a reload). */
export interface ReadyMessage {
  type: 'ready';
}

/** Text export of the report on the page; the extension shows a save dialog and writes the file. */
export interface ExportTextMessage {
  type: 'export';
  format: 'json' | 'csv';
  /** Suggested file name, without a folder. */
  fileName: string;
  content: string;
}

/** PNG export of one chart, rendered by Plotly.toImage in the page. */
export interface ExportPngMessage {
  type: 'export';
  format: 'png';
  /** Suggested file name, without a folder. */
  fileName: string;
  /** `data:image/png;base64,…` */
  dataUrl: string;
}

export type ExportMessage = ExportTextMessage | ExportPngMessage;

/** Request to show a layer's entry in the model file. */
export interface OpenLayerMessage {
  type: 'openLayer';
  /** Layer name as the report gives it. */
  layerName: string;
}

export type WebviewToExtensionMessage = ReadyMessage | ExportMessage | OpenLayerMessage;

/** Prefix of the PNG data URLs that the page sends. */
export const PNG_DATA_URL_PREFIX = 'data:image/png;base64,';

/** Largest export the extension accepts from the page, in characters of the message field. */
export const MAX_EXPORT_CHARS = 64 * 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the shape of a message from the page. The page renders strings from
 * model files, so the extension treats its messages as untrusted input.
 */
export function isWebviewToExtensionMessage(value: unknown): value is WebviewToExtensionMessage {
  if (!isRecord(value)) {
    return false;
  }
  switch (value.type) {
    case 'ready':
      return true;
    case 'openLayer':
      return typeof value.layerName === 'string';
    case 'export': {
      if (typeof value.fileName !== 'string') {
        return false;
      }
      if (value.format === 'json' || value.format === 'csv') {
        return typeof value.content === 'string' && value.content.length <= MAX_EXPORT_CHARS;
      }
      if (value.format === 'png') {
        return (
          typeof value.dataUrl === 'string' &&
          value.dataUrl.startsWith(PNG_DATA_URL_PREFIX) &&
          value.dataUrl.length <= MAX_EXPORT_CHARS
        );
      }
      return false;
    }
    default:
      return false;
  }
}

/** Checks the shape of a message from the extension: its type tag and the field that type carries. */
export function isExtensionToWebviewMessage(value: unknown): value is ExtensionToWebviewMessage {
  if (!isRecord(value)) {
    return false;
  }
  switch (value.type) {
    case 'report':
      return isRecord(value.report) && Array.isArray(value.history);
    case 'partial':
      return isRecord(value.partial);
    case 'progress':
      return isRecord(value.event) && typeof value.event.phase === 'string';
    case 'history':
      return Array.isArray(value.history);
    case 'stopped':
      return typeof value.message === 'string';
    default:
      return false;
  }
}

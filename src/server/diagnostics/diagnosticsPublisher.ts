import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import type { Connection, Diagnostic, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';

import type { AnalysedModel } from '../lenses/scriptLenses';
import { describeError, type Logger } from '../logger';
import type { ModelRecords } from '../modelRecords';
import { isScriptPath, pathToUri, uriToPath } from '../paths';
import type { DiagnosticThresholds } from '../settings';
import { failureDiagnostic, modelFileDiagnostics, scriptDiagnostics } from './diagnosticsBuilder';

/** model.json files larger than this are not read to place layer diagnostics. */
const MAX_MODEL_TEXT_BYTES = 64 * 1024 * 1024;

/** Delay that merges bursts of changes (phase changes, file events) into one publication, in milliseconds. */
const PUBLISH_DELAY_MS = 100;

/**
 * Publishes the extension's diagnostics: findings of each model's newest report
 * on its model file, failures on the file that caused them, and findings in the
 * open training scripts. Every publication replaces the previous one, and files
 * that no longer have diagnostics get an empty list.
 */
export class DiagnosticsPublisher {
  private published = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private publishing: Promise<void> = Promise.resolve();

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly records: ModelRecords,
    private readonly thresholds: () => DiagnosticThresholds,
    private readonly logger: Logger,
  ) {}

  /** Publishes again after `PUBLISH_DELAY_MS`, merging the requests that arrive meanwhile. */
  schedule(): void {
    if (this.timer !== null) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.publishing = this.publishing.then(() => this.publishAll()).catch((error: unknown) => {
        this.logger.error(`Publishing diagnostics failed: ${describeError(error)}`);
      });
    }, PUBLISH_DELAY_MS);
  }

  /** Resolves when the scheduled publication, if any, has been sent. */
  async flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
      this.publishing = this.publishing.then(() => this.publishAll());
    }
    await this.publishing;
  }

  dispose(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
    }
  }

  private async publishAll(): Promise<void> {
    const thresholds = this.thresholds();
    const byUri = new Map<string, Diagnostic[]>();
    const add = (uri: string, diagnostics: Diagnostic[]): void => {
      byUri.set(uri, [...(byUri.get(uri) ?? []), ...diagnostics]);
    };

    for (const record of this.records.all()) {
      const report = record.entries[0]?.report;
      if (report !== undefined) {
        const text = await this.modelText(record.modelPath);
        add(pathToUri(record.modelPath), modelFileDiagnostics(report, record.stale, text, thresholds));
      }
      if (record.failure !== null) {
        add(pathToUri(record.failure.file ?? record.modelPath), [failureDiagnostic(record.failure)]);
      }
    }

    const models: AnalysedModel[] = this.records.latestReports();
    for (const document of this.documents.all()) {
      const filePath = uriToPath(document.uri);
      if (filePath !== null && isScriptPath(filePath) && models.length > 0) {
        add(document.uri, scriptDiagnostics(document, models, thresholds));
      }
    }

    for (const uri of this.published) {
      if (!byUri.has(uri)) {
        byUri.set(uri, []);
      }
    }
    for (const [uri, diagnostics] of byUri) {
      await this.connection.sendDiagnostics({ uri, diagnostics });
    }
    this.published = new Set([...byUri].filter(([, diagnostics]) => diagnostics.length > 0).map(([uri]) => uri));
  }

  /** Text of a model.json, from the open editor or from disk; null for other formats or unreadable files. */
  private async modelText(modelPath: string): Promise<string | null> {
    if (path.extname(modelPath).toLowerCase() !== '.json') {
      return null;
    }
    const open = this.documents.get(pathToUri(modelPath));
    if (open !== undefined) {
      return open.getText();
    }
    try {
      const stat = await fs.stat(modelPath);
      return stat.size > MAX_MODEL_TEXT_BYTES ? null : await fs.readFile(modelPath, 'utf8');
    } catch {
      return null;
    }
  }
}

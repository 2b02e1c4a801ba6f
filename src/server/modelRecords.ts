import type { PartialReport } from '../engine/api';
import type { ProgressEvent, Report } from '../engine/report';
import type { AnalysisFailedParams } from '../protocol';
import { isUnchanged } from './cache/fingerprint';
import { inputFingerprints, type CacheEntry } from './cache/reportCache';

/** A running analysis as the lenses show it. */
export interface RunningState {
  analysisId: string;
  /** Hash of the settings it runs with, to let a request with the same settings join it. */
  settingsHash: string;
  latestProgress: ProgressEvent | null;
  /** Every report field known so far, merged from the partial reports. */
  partial: PartialReport;
}

/** State of one model on the server: its reports, whether they are still current, and its running analysis. */
export interface ModelRecord {
  modelPath: string;
  /** Cached runs, newest first. */
  entries: CacheEntry[];
  /** True when a file of the newest run changed since it was computed. */
  stale: boolean;
  running: RunningState | null;
  /** The last failure, until the next run succeeds. */
  failure: AnalysisFailedParams | null;
}

/** The records of every model that was analysed, is running or failed, keyed by model path. */
export class ModelRecords {
  private readonly records = new Map<string, ModelRecord>();

  get(modelPath: string): ModelRecord | undefined {
    return this.records.get(modelPath);
  }

  /** Returns the model's record, creating an empty one when there is none. */
  ensure(modelPath: string): ModelRecord {
    let record = this.records.get(modelPath);
    if (record === undefined) {
      record = { modelPath, entries: [], stale: false, running: null, failure: null };
      this.records.set(modelPath, record);
    }
    return record;
  }

  all(): ModelRecord[] {
    return [...this.records.values()];
  }

  /** Newest report of each model that has one, with its staleness. */
  latestReports(): { modelPath: string; report: Report; stale: boolean }[] {
    return this.all()
      .filter((record) => record.entries.length > 0)
      .map((record) => ({ modelPath: record.modelPath, report: record.entries[0].report, stale: record.stale }));
  }

  delete(modelPath: string): void {
    this.records.delete(modelPath);
  }

  /** Models whose newest run read `filePath`. */
  modelsReading(filePath: string): ModelRecord[] {
    return this.all().filter(
      (record) => record.entries.length > 0 && inputFingerprints(record.entries[0].inputs).some((file) => file.path === filePath),
    );
  }
}

/** True when every file the entry's run read still has the same content. */
export async function entryIsCurrent(entry: CacheEntry): Promise<boolean> {
  for (const fingerprint of inputFingerprints(entry.inputs)) {
    if (!(await isUnchanged(fingerprint))) {
      return false;
    }
  }
  return true;
}

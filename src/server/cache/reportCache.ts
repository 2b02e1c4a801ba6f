/**
 * Reports of finished analyses, stored in the extension's workspace storage so
 * that lenses and the last report come back when the workspace reopens.
 *
 * One JSON file per model, `reports/<hash of the model path>.json`, holds that
 * model's runs, newest first, each with the fingerprints of the files it read
 * and the hash of its inputs (the cache key). Files are replaced atomically
 * (written to a temporary file in the same folder, then renamed), so a crash or
 * a cancel never leaves a half-written entry.
 */

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import type { Report } from '../../engine/report';
import { hashJson, type FileFingerprint } from './fingerprint';

/** Version of the cache file layout; files of another version are ignored. */
export const CACHE_FORMAT_VERSION = 1;

/** Runs kept per model for the history view. */
export const MAX_RUNS_PER_MODEL = 20;

/** The files and settings an analysis read; the cache key is their hash. */
export interface AnalysisInputs {
  modelFiles: FileFingerprint[];
  dataFiles: FileFingerprint[];
  /** The dataset sidecar, when the model has one. */
  sidecar: FileFingerprint | null;
  /** Everything else that shapes the report: engine settings, backend, engine version. */
  settings: Record<string, unknown>;
}

export interface CacheEntry {
  /** Hash of the inputs' content hashes and settings (`cacheKeyOf`). */
  key: string;
  analysisId: string;
  inputs: AnalysisInputs;
  report: Report;
}

interface CacheFile {
  version: number;
  modelPath: string;
  /** Newest first. */
  entries: CacheEntry[];
}

/** Every file the inputs name, in a fixed order. */
export function inputFingerprints(inputs: AnalysisInputs): FileFingerprint[] {
  return [...inputs.modelFiles, ...inputs.dataFiles, ...(inputs.sidecar === null ? [] : [inputs.sidecar])];
}

/**
 * Cache key of an analysis: the content hashes of its files (not their paths
 * or times, so a copied workspace hits the same entries) and its settings.
 */
export function cacheKeyOf(inputs: AnalysisInputs): string {
  return hashJson({
    modelFiles: inputs.modelFiles.map((file) => file.sha256),
    dataFiles: inputs.dataFiles.map((file) => file.sha256),
    sidecar: inputs.sidecar?.sha256 ?? null,
    settings: inputs.settings,
  });
}

export class ReportCache {
  private readonly folder: string;

  constructor(storagePath: string) {
    this.folder = path.join(storagePath, 'reports');
  }

  /** Entries of one model, newest first; empty when it has none or its file is unreadable. */
  async entriesOf(modelPath: string): Promise<CacheEntry[]> {
    const file = await this.readCacheFile(this.fileOf(modelPath));
    return file !== null && file.modelPath === modelPath ? file.entries : [];
  }

  /** Every model with cached entries, with its entries, for start-up. */
  async allModels(): Promise<Map<string, CacheEntry[]>> {
    const models = new Map<string, CacheEntry[]>();
    let names: string[];
    try {
      names = await fs.readdir(this.folder);
    } catch {
      return models;
    }
    for (const name of names.filter((candidate) => candidate.endsWith('.json'))) {
      const file = await this.readCacheFile(path.join(this.folder, name));
      if (file !== null && file.entries.length > 0) {
        models.set(file.modelPath, file.entries);
      }
    }
    return models;
  }

  /** Adds a finished run as the model's newest entry and drops the oldest beyond `MAX_RUNS_PER_MODEL`. */
  async add(modelPath: string, entry: CacheEntry): Promise<CacheEntry[]> {
    const earlier = (await this.entriesOf(modelPath)).filter((existing) => existing.analysisId !== entry.analysisId);
    const entries = [entry, ...earlier].slice(0, MAX_RUNS_PER_MODEL);
    await this.writeAtomically(this.fileOf(modelPath), { version: CACHE_FORMAT_VERSION, modelPath, entries });
    return entries;
  }

  /** Deletes the entries of one model, or of every model; returns how many were deleted. */
  async clear(modelPath?: string): Promise<number> {
    if (modelPath !== undefined) {
      const count = (await this.entriesOf(modelPath)).length;
      await fs.rm(this.fileOf(modelPath), { force: true });
      return count;
    }
    let count = 0;
    for (const entries of (await this.allModels()).values()) {
      count += entries.length;
    }
    await fs.rm(this.folder, { recursive: true, force: true });
    return count;
  }

  private fileOf(modelPath: string): string {
    return path.join(this.folder, `${hashJson(modelPath).slice(0, 32)}.json`);
  }

  private async readCacheFile(file: string): Promise<CacheFile | null> {
    try {
      const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<CacheFile>;
      if (parsed.version !== CACHE_FORMAT_VERSION || typeof parsed.modelPath !== 'string' || !Array.isArray(parsed.entries)) {
        return null;
      }
      return parsed as CacheFile;
    } catch {
      return null;
    }
  }

  private async writeAtomically(file: string, content: CacheFile): Promise<void> {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await fs.writeFile(temporary, JSON.stringify(content));
      await fs.rename(temporary, file);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  }
}

import { randomUUID } from 'node:crypto';

import type { PartialReport } from '../../engine/api';
import { InputError } from '../../engine/errors';
import type { ProgressEvent } from '../../engine/report';
import type {
  AnalysisCancelledParams,
  AnalysisFailedParams,
  AnalysisFinishedParams,
  AnalysisProgressParams,
  AnalysisStartedParams,
  AnalyzeResult,
  PartialReportParams,
} from '../../protocol';
import { hashJson } from '../cache/fingerprint';
import { cacheKeyOf, type AnalysisInputs, type CacheEntry, type ReportCache } from '../cache/reportCache';
import { analysisTag, describeError, type Logger } from '../logger';
import { entryIsCurrent, type ModelRecord, type ModelRecords } from '../modelRecords';
import type { ExtensionSettings } from '../settings';
import { keySettingsOf, resolveInputs } from './analysisInputs';
import { WorkerJobRun, type WorkerJobOutcome } from './workerJob';
import { serializeError, type ModelFacts, type SerializedError } from './workerMessages';

/** Callbacks for what happens to analyses. The server turns them into LSP notifications, lenses and diagnostics. */
export interface AnalysisEvents {
  started(params: AnalysisStartedParams): void;
  progress(params: AnalysisProgressParams): void;
  partial(params: PartialReportParams): void;
  finished(params: AnalysisFinishedParams): void;
  failed(params: AnalysisFailedParams): void;
  cancelled(params: AnalysisCancelledParams): void;
  /** A model's record changed (report, staleness, running state or failure). */
  recordChanged(modelPath: string): void;
}

interface ActiveRun {
  analysisId: string;
  modelPath: string;
  settingsHash: string;
  /** Null while the inputs are being read, before the worker starts. */
  job: WorkerJobRun | null;
  cancelRequested: boolean;
  /** Settles once the run has ended and its record is updated. */
  finished: Promise<void>;
  markFinished: () => void;
}

/** Prefix of the ids of failures that came from reading a model for the dataset dialog. */
const DESCRIBE_PREFIX = 'describe-';

/**
 * Runs analyses in worker threads, one per model at a time, and keeps the
 * models' records and the report cache up to date.
 */
export class AnalysisManager {
  private readonly active = new Map<string, ActiveRun>();

  constructor(
    private readonly records: ModelRecords,
    private readonly cache: ReportCache,
    private readonly events: AnalysisEvents,
    private readonly logger: Logger,
    private readonly settings: () => ExtensionSettings,
    private readonly workerScript?: string,
  ) {}

  /**
   * Starts an analysis of the model, joins the running one with the same
   * settings, or returns a valid cached report. A running analysis of the same
   * model with other settings is cancelled first.
   */
  async analyze(modelPath: string, force = false): Promise<AnalyzeResult> {
    const settings = this.settings();
    const settingsHash = hashJson(keySettingsOf(settings));

    const existing = this.active.get(modelPath);
    if (existing !== undefined && existing.settingsHash === settingsHash) {
      this.logger.info(`${analysisTag(existing.analysisId, modelPath)} a new request joined the running analysis`);
      return { outcome: 'joined', analysisId: existing.analysisId };
    }
    if (existing !== undefined) {
      this.logger.info(`${analysisTag(existing.analysisId, modelPath)} cancelled because the settings changed`);
      await this.cancelRun(existing);
      const replacement = this.active.get(modelPath);
      if (replacement !== undefined) {
        return replacement.settingsHash === settingsHash
          ? { outcome: 'joined', analysisId: replacement.analysisId }
          : this.analyze(modelPath, force);
      }
    }

    let markFinished = (): void => {};
    const finished = new Promise<void>((resolve) => {
      markFinished = resolve;
    });
    const run: ActiveRun = {
      analysisId: randomUUID().slice(0, 8),
      modelPath,
      settingsHash,
      job: null,
      cancelRequested: false,
      finished,
      markFinished,
    };
    this.active.set(modelPath, run);
    const record = this.records.ensure(modelPath);
    record.running = { analysisId: run.analysisId, settingsHash, latestProgress: null, partial: {} };

    try {
      return await this.prepareAndStart(run, record, settings, force);
    } catch (error) {
      this.endRun(run, record);
      const failure = this.fail(run, record, serializeError(error));
      return { outcome: 'failed', failure };
    }
  }

  /** Cancels the running analysis of one model, or of every model; returns the ids of the runs stopped. */
  async cancel(modelPath?: string): Promise<string[]> {
    const runs = [...this.active.values()].filter((run) => modelPath === undefined || run.modelPath === modelPath);
    await Promise.all(runs.map((run) => this.cancelRun(run)));
    return runs.map((run) => run.analysisId);
  }

  /** Cancels every run and waits for their threads to end, for shutdown. */
  async dispose(): Promise<void> {
    await this.cancel();
  }

  /** Id of the model's running analysis, or null. */
  runningAnalysisId(modelPath: string): string | null {
    return this.active.get(modelPath)?.analysisId ?? null;
  }

  /** Loads the model in a worker thread and reads what it records. */
  async describeModel(modelPath: string): Promise<ModelFacts> {
    const analysisId = randomUUID().slice(0, 8);
    const job = new WorkerJobRun(
      { kind: 'describeModel', analysisId, modelPath },
      { onOutput: (line) => this.logger.info(`${analysisTag(analysisId, modelPath)} worker output: ${line}`) },
      this.workerScript,
    );
    const outcome = await job.outcome;
    if (outcome.type === 'result' && outcome.message.type === 'modelFacts') {
      this.clearDescribeFailure(modelPath);
      return outcome.message.facts;
    }
    let error: SerializedError | null = null;
    if (outcome.type === 'failed') {
      error = outcome.error;
    } else if (outcome.type === 'result' && outcome.message.type === 'failed') {
      error = outcome.message.error;
    }
    this.logger.warn(`${analysisTag(analysisId, modelPath)} reading the model failed: ${error?.message ?? 'cancelled'}`);
    // A model that cannot be read gets its failure diagnostic now, as an
    // analysis of it would, so the dataset dialog's error points at the file.
    if (error !== null && (error.kind === 'input' || error.kind === 'usage')) {
      const record = this.records.ensure(modelPath);
      record.failure = { analysisId: `${DESCRIBE_PREFIX}${analysisId}`, modelPath, kind: error.kind, message: error.message, file: error.file, fix: error.fix };
      this.events.recordChanged(modelPath);
    }
    throw rebuildError(error);
  }

  /** Removes a failure that reading the model recorded, once the model reads again. */
  private clearDescribeFailure(modelPath: string): void {
    const record = this.records.get(modelPath);
    if (record?.failure?.analysisId.startsWith(DESCRIBE_PREFIX)) {
      record.failure = null;
      this.events.recordChanged(modelPath);
    }
  }

  /** Reads the cached reports of every model and marks those whose files changed as stale. */
  async loadCache(): Promise<void> {
    const started = Date.now();
    const models = await this.cache.allModels();
    for (const [modelPath, entries] of models) {
      const record = this.records.ensure(modelPath);
      record.entries = entries;
      record.stale = !(await entryIsCurrent(entries[0]));
      this.events.recordChanged(modelPath);
    }
    this.logger.info(`Loaded cached reports of ${models.size} model(s) in ${Date.now() - started} ms.`);
  }

  /**
   * Checks the models that read a changed file and marks their results stale
   * (or current again, when the content is back). Returns the models whose
   * results are stale after the check.
   */
  async checkChangedFile(filePath: string): Promise<string[]> {
    const stale: string[] = [];
    for (const record of this.records.modelsReading(filePath)) {
      const wasStale = record.stale;
      record.stale = !(await entryIsCurrent(record.entries[0]));
      if (record.stale !== wasStale) {
        this.logger.info(`${record.modelPath}: results are ${record.stale ? 'stale' : 'current again'} after a change of ${filePath}.`);
        this.events.recordChanged(record.modelPath);
      }
      if (record.stale) {
        stale.push(record.modelPath);
      }
    }
    return stale;
  }

  /** Deletes cached reports of one model or of all; running analyses go on. */
  async clearCache(modelPath?: string): Promise<number> {
    const removed = await this.cache.clear(modelPath);
    const cleared = modelPath === undefined ? this.records.all() : [this.records.get(modelPath)].filter((record) => record !== undefined);
    for (const record of cleared) {
      record.entries = [];
      record.stale = false;
      this.events.recordChanged(record.modelPath);
    }
    this.logger.info(`Cleared ${removed} cached report(s)${modelPath === undefined ? '' : ` of ${modelPath}`}.`);
    return removed;
  }

  private async prepareAndStart(run: ActiveRun, record: ModelRecord, settings: ExtensionSettings, force: boolean): Promise<AnalyzeResult> {
    const resolution = await resolveInputs(run.modelPath, settings);
    if (resolution.status === 'needsDataset') {
      this.endRun(run, record);
      return { outcome: 'needsDataset', reason: resolution.reason };
    }

    const key = cacheKeyOf(resolution.inputs);
    const hit = record.entries.find((entry) => entry.key === key);
    if (!force && hit !== undefined && !run.cancelRequested) {
      this.endRun(run, record);
      await this.promoteCachedEntry(record, hit);
      this.logger.info(`${analysisTag(run.analysisId, run.modelPath)} served from the cache (run ${hit.analysisId}).`);
      return { outcome: 'cached', report: hit.report };
    }
    if (run.cancelRequested) {
      this.endRun(run, record);
      this.events.cancelled({ analysisId: run.analysisId, modelPath: run.modelPath });
      return { outcome: 'started', analysisId: run.analysisId };
    }

    this.logger.info(
      `${analysisTag(run.analysisId, run.modelPath)} started (backend ${settings.backend}, ${settings.analysis.samples} samples, ` +
        `top ${settings.analysis.topK}, ${settings.analysis.lanczosSteps} Lanczos steps, ${settings.analysis.traceProbes} trace probes, ` +
        `${settings.analysis.densityRuns}×${settings.analysis.densitySteps} density steps).`,
    );
    this.events.started({ analysisId: run.analysisId, modelPath: run.modelPath });
    const job = new WorkerJobRun(
      {
        kind: 'analyze',
        analysisId: run.analysisId,
        request: { modelPath: run.modelPath, backend: settings.backend, settings: settings.analysis },
      },
      {
        onProgress: (event) => this.onProgress(run, record, event),
        onPartialReport: (partial) => this.onPartialReport(run, record, partial),
        onOutput: (line) => this.logger.info(`${analysisTag(run.analysisId, run.modelPath)} worker output: ${line}`),
      },
      this.workerScript,
    );
    run.job = job;
    void job.outcome.then((outcome) => this.complete(run, record, outcome, key, resolution.inputs));
    this.events.recordChanged(run.modelPath);
    return { outcome: 'started', analysisId: run.analysisId };
  }

  private onProgress(run: ActiveRun, record: ModelRecord, event: ProgressEvent): void {
    const running = record.running;
    const phaseChanged = running?.latestProgress?.phase !== event.phase;
    if (running !== null && running.analysisId === run.analysisId) {
      running.latestProgress = event;
    }
    this.events.progress({ analysisId: run.analysisId, modelPath: run.modelPath, event });
    if (phaseChanged) {
      this.logger.info(`${analysisTag(run.analysisId, run.modelPath)} phase ${event.phase}.`);
      this.events.recordChanged(run.modelPath);
    }
  }

  private onPartialReport(run: ActiveRun, record: ModelRecord, partial: PartialReport): void {
    if (record.running !== null && record.running.analysisId === run.analysisId) {
      record.running.partial = { ...record.running.partial, ...partial };
    }
    this.events.partial({ analysisId: run.analysisId, modelPath: run.modelPath, partial });
  }

  private async complete(run: ActiveRun, record: ModelRecord, outcome: WorkerJobOutcome, key: string, inputs: AnalysisInputs): Promise<void> {
    const tag = analysisTag(run.analysisId, run.modelPath);
    try {
      if (outcome.type === 'cancelled') {
        this.endRun(run, record);
        this.logger.info(`${tag} cancelled${outcome.terminated ? '; the worker did not stop within a second and was terminated' : ''}.`);
        this.events.cancelled({ analysisId: run.analysisId, modelPath: run.modelPath });
        return;
      }
      if (outcome.type === 'failed') {
        this.endRun(run, record);
        this.fail(run, record, outcome.error);
        return;
      }
      const message = outcome.message;
      if (message.type !== 'report') {
        this.endRun(run, record);
        this.fail(run, record, message.type === 'failed' ? message.error : internalError(`The worker sent ${message.type} instead of a report.`));
        return;
      }
      await this.store(run, record, { key, analysisId: run.analysisId, inputs, report: message.report });
      this.endRun(run, record);
      this.logger.info(`${tag} finished in ${message.report.elapsedMs} ms (λmax ${message.report.eigenvalues.top[0] ?? 'n/a'}).`);
      this.events.finished({ analysisId: run.analysisId, modelPath: run.modelPath, report: message.report });
    } catch (error) {
      this.endRun(run, record);
      this.fail(run, record, internalError(`Storing the report failed: ${describeError(error)}`));
    } finally {
      this.events.recordChanged(run.modelPath);
    }
  }

  private async store(run: ActiveRun, record: ModelRecord, entry: CacheEntry): Promise<void> {
    try {
      record.entries = await this.cache.add(run.modelPath, entry);
    } catch (error) {
      // The report is still shown; only reopening the workspace will not find it.
      this.logger.error(`${analysisTag(run.analysisId, run.modelPath)} writing the cache failed: ${describeError(error)}`);
      record.entries = [entry, ...record.entries.filter((existing) => existing.analysisId !== entry.analysisId)];
    }
    record.stale = false;
    record.failure = null;
  }

  private async promoteCachedEntry(record: ModelRecord, entry: CacheEntry): Promise<void> {
    if (record.entries[0] === entry && !record.stale) {
      return;
    }
    try {
      record.entries = await this.cache.add(record.modelPath, entry);
    } catch (error) {
      this.logger.error(`${record.modelPath}: writing the cache failed: ${describeError(error)}`);
    }
    record.stale = false;
    this.events.recordChanged(record.modelPath);
  }

  private fail(run: ActiveRun, record: ModelRecord, error: SerializedError): AnalysisFailedParams {
    const failure: AnalysisFailedParams = {
      analysisId: run.analysisId,
      modelPath: run.modelPath,
      kind: error.kind === 'input' || error.kind === 'usage' ? error.kind : 'internal',
      message: error.message,
      file: error.file,
      fix: error.fix,
    };
    record.failure = failure;
    const detail = error.kind === 'internal' && error.stack !== null ? `\n${error.stack}` : '';
    this.logger.error(`${analysisTag(run.analysisId, run.modelPath)} failed (${failure.kind}): ${error.message}${detail}`);
    this.events.failed(failure);
    this.events.recordChanged(run.modelPath);
    return failure;
  }

  private async cancelRun(run: ActiveRun): Promise<void> {
    run.cancelRequested = true;
    if (run.job !== null) {
      await run.job.cancel();
    }
    await run.finished;
  }

  /** Removes the run from the active ones and clears the record's running state, if they are still this run's. */
  private endRun(run: ActiveRun, record: ModelRecord): void {
    run.markFinished();
    if (this.active.get(run.modelPath) === run) {
      this.active.delete(run.modelPath);
    }
    if (record.running?.analysisId === run.analysisId) {
      record.running = null;
    }
  }
}

function internalError(message: string): SerializedError {
  return { kind: 'internal', message, file: null, problem: null, fix: null, stack: null };
}

/** Turns a worker's serialized error back into the engine's error class, for a request handler to report. */
function rebuildError(error: SerializedError | null): Error {
  if (error === null) {
    return new Error('Reading the model was cancelled.');
  }
  if (error.kind === 'input' && error.file !== null) {
    return new InputError(error.file, error.problem ?? error.message, error.fix ?? '');
  }
  return new Error(error.message);
}

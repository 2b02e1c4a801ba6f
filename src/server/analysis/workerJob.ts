import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import type { PartialReport } from '../../engine/api';
import type { ProgressEvent } from '../../engine/report';
import type { SerializedError, WorkerJob, WorkerJobSpec, WorkerToServerMessage } from './workerMessages';

/** Time a worker gets to stop on its own after a cancel before it is terminated, in milliseconds. */
export const COOPERATIVE_CANCEL_MS = 1000;

export interface WorkerJobCallbacks {
  onProgress?(event: ProgressEvent): void;
  onPartialReport?(partial: PartialReport): void;
  /** A line the worker wrote to its stdout or stderr (TensorFlow.js writes notices there). */
  onOutput?(line: string): void;
}

/** Outcome of a job: its final message, a cancel, or a thread that died. */
export type WorkerJobOutcome =
  | { type: 'result'; message: Exclude<WorkerToServerMessage, { type: 'progress' } | { type: 'partial' }> }
  | { type: 'cancelled'; terminated: boolean }
  | { type: 'failed'; error: SerializedError };

/**
 * Path of the bundled worker script. The server bundle (dist/server.js) and the
 * worker bundle (dist/worker.js) sit in the same folder.
 */
export function defaultWorkerScript(): string {
  return path.join(__dirname, 'worker.js');
}

/**
 * One job in its own worker thread. `outcome` settles once: with the worker's
 * final message, with `cancelled` after `cancel()`, or with `failed` when the
 * thread dies or exits without a final message.
 */
export class WorkerJobRun {
  readonly outcome: Promise<WorkerJobOutcome>;

  private readonly worker: Worker;
  private readonly cancelFlag = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  private settled = false;
  private cancelRequested = false;
  private settle!: (outcome: WorkerJobOutcome) => void;

  constructor(spec: WorkerJobSpec, callbacks: WorkerJobCallbacks = {}, workerScript: string = defaultWorkerScript()) {
    this.outcome = new Promise((resolve) => {
      this.settle = resolve;
    });

    const job: WorkerJob = { ...spec, cancelFlag: this.cancelFlag.buffer as SharedArrayBuffer };
    // The worker's stdout and stderr are captured rather than inherited: with the
    // stdio transport, anything a worker printed would corrupt the LSP stream.
    this.worker = new Worker(workerScript, { workerData: job, stdout: true, stderr: true });
    forwardLines(this.worker.stdout, (line) => callbacks.onOutput?.(line));
    forwardLines(this.worker.stderr, (line) => callbacks.onOutput?.(line));
    this.worker.on('message', (message: WorkerToServerMessage) => this.onMessage(message, callbacks));
    this.worker.on('error', (error) => {
      this.finish({ type: 'failed', error: internalError(`The analysis worker failed: ${error.message}`, error.stack ?? null) });
    });
    this.worker.on('exit', (code) => {
      if (this.cancelRequested) {
        this.finish({ type: 'cancelled', terminated: false });
      } else {
        this.finish({
          type: 'failed',
          error: internalError(`The analysis worker exited with code ${code} before it sent a result.`, null),
        });
      }
    });
  }

  /**
   * Asks the worker to stop between Hessian-vector products and terminates the
   * thread when it has not stopped within `COOPERATIVE_CANCEL_MS`. Resolves once
   * the thread is gone; nothing the job computed is kept.
   */
  async cancel(): Promise<void> {
    if (this.settled) {
      return;
    }
    this.cancelRequested = true;
    Atomics.store(this.cancelFlag, 0, 1);

    const timer = setTimeout(() => {
      if (!this.settled) {
        void this.worker.terminate();
        this.finish({ type: 'cancelled', terminated: true });
      }
    }, COOPERATIVE_CANCEL_MS);
    await this.outcome;
    clearTimeout(timer);
    await this.worker.terminate();
  }

  private onMessage(message: WorkerToServerMessage, callbacks: WorkerJobCallbacks): void {
    if (this.settled) {
      return;
    }
    switch (message.type) {
      case 'progress':
        callbacks.onProgress?.(message.event);
        return;
      case 'partial':
        callbacks.onPartialReport?.(message.partial);
        return;
      case 'failed':
        if (message.error.kind === 'cancelled' || this.cancelRequested) {
          this.finish({ type: 'cancelled', terminated: false });
        } else {
          this.finish({ type: 'result', message });
        }
        return;
      default:
        if (this.cancelRequested) {
          this.finish({ type: 'cancelled', terminated: false });
        } else {
          this.finish({ type: 'result', message });
        }
    }
  }

  private finish(outcome: WorkerJobOutcome): void {
    if (this.settled) {
      return;
    }
    this.settled = true;
    this.settle(outcome);
    // The worker has sent all it will send; end the thread so its memory goes.
    void this.worker.terminate();
  }
}

function forwardLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split(/\r?\n/);
    pending = lines.pop() ?? '';
    for (const line of lines.filter((text) => text.trim() !== '')) {
      onLine(line);
    }
  });
}

function internalError(message: string, stack: string | null): SerializedError {
  return { kind: 'internal', message, file: null, problem: null, fix: null, stack };
}

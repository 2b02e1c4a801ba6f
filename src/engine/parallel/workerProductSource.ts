import type { Worker } from 'node:worker_threads';

import { InputError, UsageError } from '../errors';
import type { ProblemData } from '../hvp/lossProblem';
import type { ProductSource } from '../hvp/productSource';
import type { WorkerFailure, WorkerRequest, WorkerResponse, WorkerResult, WorkerSetup } from './workerMessages';
import { startProductWorker } from './workerScript';

/** Setup of the workers apart from the samples, which are split between them. */
export type WorkerModelSetup = Omit<WorkerSetup, 'inputs' | 'inputShape' | 'targets' | 'targetShape'>;

/** Distributive Omit over the request union, so each variant keeps its own fields. */
type RequestWithoutId = WorkerRequest extends infer Request ? (Request extends WorkerRequest ? Omit<Request, 'id'> : never) : never;

interface PendingRequest {
  resolve(result: WorkerResult): void;
  reject(error: Error): void;
}

/** One thread of the pool with its share of the samples. */
class ProductWorker {
  private nextId = 0;
  private readonly pending = new Map<number, PendingRequest>();
  private failure: Error | null = null;
  private stopping = false;

  constructor(
    private readonly worker: Worker,
    readonly index: number,
    /** Samples this worker holds. */
    readonly samples: number,
  ) {
    worker.on('message', (response: WorkerResponse) => this.settle(response));
    worker.on('error', (error) => this.fail(`it threw ${error.name}: ${error.message}`));
    worker.on('exit', (code) => {
      if (!this.stopping) {
        this.fail(`it exited with code ${code}`);
      }
    });
  }

  request(message: RequestWithoutId, transfer: ArrayBuffer[] = []): Promise<WorkerResult> {
    if (this.failure !== null) {
      return Promise.reject(this.failure);
    }
    const id = this.nextId++;
    return new Promise<WorkerResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id } as WorkerRequest, transfer);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.worker.terminate();
  }

  private settle(response: WorkerResponse): void {
    const pending = this.pending.get(response.id);
    if (pending === undefined) {
      return;
    }
    this.pending.delete(response.id);
    if (response.ok) {
      pending.resolve(response.result);
    } else {
      pending.reject(rebuildError(response.error));
    }
  }

  // A dead worker takes its share of the samples with it, so every request,
  // pending or later, fails: the pool never returns a partial sum.
  private fail(reason: string): void {
    if (this.failure !== null) {
      return;
    }
    this.failure = new Error(
      `Product worker ${this.index} stopped unexpectedly: ${reason}. The analysis cannot continue without its samples; ` +
        'run it again, or with --workers 1 to compute in one thread.',
    );
    for (const pending of this.pending.values()) {
      pending.reject(this.failure);
    }
    this.pending.clear();
  }
}

/**
 * Products computed by a pool of worker threads, each with its own backend
 * and a contiguous share of the samples. Each worker returns the mean over its
 * share, and the pool sums them in float64 weighted by share size, so results
 * equal those of one thread within float32 rounding. Requests go to all workers
 * at once, so two workers on two cores compute a product in about half the time.
 */
export class WorkerProductSource implements ProductSource {
  private constructor(
    private readonly workers: ProductWorker[],
    readonly size: number,
    readonly samples: number,
  ) {}

  /** Starts `count` workers (fewer when there are fewer samples) and waits until each has loaded the model and its samples. */
  static async start(count: number, setup: WorkerModelSetup, data: ProblemData): Promise<WorkerProductSource> {
    const samples = data.inputShape[0];
    const shares = splitEvenly(samples, Math.max(1, Math.min(count, samples)));
    const inputRow = data.inputs.length / samples;
    const targetRow = data.targets.length / samples;

    const workers: ProductWorker[] = [];
    try {
      let start = 0;
      const sizes: Promise<WorkerResult>[] = [];
      for (const [index, share] of shares.entries()) {
        const worker = new ProductWorker(startProductWorker(), index, share);
        workers.push(worker);
        const workerSetup: WorkerSetup = {
          ...setup,
          inputs: data.inputs.slice(start * inputRow, (start + share) * inputRow),
          inputShape: [share, ...data.inputShape.slice(1)],
          targets: data.targets.slice(start * targetRow, (start + share) * targetRow),
          targetShape: [share, ...data.targetShape.slice(1)],
        };
        sizes.push(worker.request({ kind: 'setup', setup: workerSetup }, [workerSetup.inputs.buffer as ArrayBuffer, workerSetup.targets.buffer as ArrayBuffer]));
        start += share;
      }

      const results = await Promise.all(sizes);
      const size = results[0].size as number;
      if (results.some((result) => result.size !== size)) {
        throw new Error(`Product workers disagree on the number of parameters: ${results.map((result) => result.size).join(', ')}.`);
      }
      return new WorkerProductSource(workers, size, samples);
    } catch (error) {
      await Promise.all(workers.map((worker) => worker.stop()));
      throw error;
    }
  }

  /** Number of worker threads. */
  get workerCount(): number {
    return this.workers.length;
  }

  async exactHvp(vector: Float64Array): Promise<Float64Array> {
    const results = await this.broadcast((worker) => {
      const copy = vector.slice();
      return worker.request({ kind: 'exactHvp', vector: copy }, [copy.buffer as ArrayBuffer]);
    });
    return this.weightedVectorSum(results);
  }

  async exactBlockHvp(blockIndex: number, vector: Float64Array): Promise<Float64Array> {
    const results = await this.broadcast((worker) => {
      const copy = vector.slice();
      return worker.request({ kind: 'exactBlockHvp', blockIndex, vector: copy }, [copy.buffer as ArrayBuffer]);
    });
    return this.weightedVectorSum(results, vector.length);
  }

  async gradient(): Promise<{ loss: number; gradient: Float64Array }> {
    const results = await this.broadcast((worker) => worker.request({ kind: 'gradient' }));
    return { loss: this.weightedLossSum(results), gradient: this.weightedVectorSum(results) };
  }

  async evaluate(): Promise<{ loss: number; predictions: Float32Array }> {
    const results = await this.broadcast((worker) => worker.request({ kind: 'evaluate' }));
    const parts = results.map((result) => result.predictions as Float32Array);
    const predictions = new Float32Array(parts.reduce((length, part) => length + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      predictions.set(part, offset);
      offset += part.length;
    }
    return { loss: this.weightedLossSum(results), predictions };
  }

  async loss(): Promise<number> {
    return this.weightedLossSum(await this.broadcast((worker) => worker.request({ kind: 'loss' })));
  }

  async readParameters(): Promise<Float64Array> {
    return (await this.workers[0].request({ kind: 'readParameters' })).vector as Float64Array;
  }

  async writeParameters(values: Float64Array): Promise<void> {
    await this.broadcast((worker) => {
      const copy = values.slice();
      return worker.request({ kind: 'writeParameters', values: copy }, [copy.buffer as ArrayBuffer]);
    });
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
  }

  private broadcast(send: (worker: ProductWorker) => Promise<WorkerResult>): Promise<WorkerResult[]> {
    return Promise.all(this.workers.map(send));
  }

  /** Σ over workers of (share of the samples) · vector; `length` is n unless the vectors are one block's. */
  private weightedVectorSum(results: WorkerResult[], length = this.size): Float64Array {
    const total = new Float64Array(length);
    results.forEach((result, index) => {
      const weight = this.workers[index].samples / this.samples;
      const vector = result.vector as Float64Array;
      for (let i = 0; i < total.length; i++) {
        total[i] += weight * vector[i];
      }
    });
    return total;
  }

  private weightedLossSum(results: WorkerResult[]): number {
    return results.reduce((sum, result, index) => sum + ((result.loss as number) * this.workers[index].samples) / this.samples, 0);
  }
}

/** Splits `total` items into `parts` contiguous shares whose sizes differ by at most one. */
export function splitEvenly(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const remainder = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < remainder ? 1 : 0));
}

function rebuildError(failure: WorkerFailure): Error {
  if (failure.name === 'InputError' && failure.file !== undefined) {
    return new InputError(failure.file, failure.problem ?? failure.message, failure.fix ?? '');
  }
  if (failure.name === 'UsageError') {
    const error = new UsageError(failure.message, '');
    error.message = failure.message;
    return error;
  }
  const error = new Error(`In a product worker: ${failure.message}`);
  error.name = failure.name;
  return error;
}

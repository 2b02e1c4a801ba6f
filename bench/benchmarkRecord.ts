import { execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Machine, date, commit and load: the context every benchmark figure is recorded with. */
export interface BenchmarkContext {
  date: string;
  commit: string;
  cpu: string;
  cores: number;
  node: string;
  /** One-minute load average when the run started; above the core count, figures are noisy. */
  loadAverage: number;
}

export function benchmarkContext(): BenchmarkContext {
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execSync('git status --porcelain --untracked-files=no', { encoding: 'utf8' }).trim() !== '';
    commit += dirty ? ' (with uncommitted changes)' : '';
  } catch {
    // Outside a git checkout the commit stays unknown.
  }
  return {
    date: new Date().toISOString(),
    commit,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    node: process.version,
    loadAverage: os.loadavg()[0],
  };
}

/** Formats a markdown line that states the context of a benchmark table. */
export function benchmarkHeader(backend: string, subject: string): string {
  const context = benchmarkContext();
  return (
    `${subject}. Backend ${backend}; ${context.cpu}, ${context.cores} cores; Node ${context.node}; ` +
    `commit ${context.commit}; ${context.date}; load average ${context.loadAverage.toFixed(2)}.\n`
  );
}

/** Writes a result as JSON to bench/results/<name>-<time>.json (git-ignored) and returns the path. */
export function writeResult(name: string, result: unknown): string {
  const folder = path.join(__dirname, 'results');
  fs.mkdirSync(folder, { recursive: true });
  const file = path.join(folder, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify({ context: benchmarkContext(), result }, null, 2)}\n`);
  return file;
}

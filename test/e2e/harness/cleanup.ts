import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { killProcessesWithArgument, procfsAvailable } from './procfs';

/**
 * Process groups and temporary folders that the harness has started or made
 * and not yet cleaned up. When the test process exits, or receives SIGINT,
 * SIGTERM or SIGHUP, before a test's own teardown ran, cleanUpNow kills the
 * groups and the processes that name a temporary folder on their command
 * line, then removes the folders. A test process killed with SIGKILL runs no
 * handler, so its code-server and Chromium are left running.
 */
const liveProcessGroups = new Set<number>();
const liveTempDirs = new Set<string>();
let handlersInstalled = false;

const TERMINATING_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function cleanUpNow(): void {
  for (const pid of liveProcessGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  }
  liveProcessGroups.clear();
  for (const dir of liveTempDirs) {
    if (procfsAvailable()) {
      killProcessesWithArgument(dir);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  liveTempDirs.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  cleanUpNow();
  for (const name of TERMINATING_SIGNALS) {
    process.removeListener(name, onSignal);
  }
  // Without other listeners, end the process as the signal would have.
  if (process.listenerCount(signal) === 0) {
    process.kill(process.pid, signal);
  }
}

function installHandlers(): void {
  if (handlersInstalled) {
    return;
  }
  handlersInstalled = true;
  process.once('exit', cleanUpNow);
  for (const signal of TERMINATING_SIGNALS) {
    process.once(signal, onSignal);
  }
}

export function trackProcessGroup(pid: number): void {
  installHandlers();
  liveProcessGroups.add(pid);
}

export function untrackProcessGroup(pid: number): void {
  liveProcessGroups.delete(pid);
}

/**
 * Creates a temporary folder named `hessian-e2e-<label>-XXXXXX` in the OS
 * temporary folder. Its path stays short, because VS Code puts Unix sockets
 * (at most 107 bytes of path) below it.
 */
export function createTempDir(label: string): string {
  installHandlers();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hessian-e2e-${label.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 20)}-`));
  liveTempDirs.add(dir);
  return dir;
}

/**
 * Kills the processes that still name `dir` on their command line (Chromium's
 * crashpad handler leaves Chromium's process group), then removes the folder.
 */
export function removeTempDir(dir: string): void {
  if (procfsAvailable()) {
    killProcessesWithArgument(dir);
  }
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  liveTempDirs.delete(dir);
}

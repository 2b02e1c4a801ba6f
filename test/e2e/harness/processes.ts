import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { trackProcessGroup, untrackProcessGroup } from './cleanup';
import { liveGroupMembers, procfsAvailable } from './procfs';

/** A child process that leads its own process group, with its output in a log file. */
export interface GroupProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  readonly logFile: string;
}

/**
 * Starts `command` as the leader of a new process group (detached), so that
 * stopProcessGroup also stops every process it starts (code-server's VS Code
 * server and extension hosts, or Chromium's renderers).
 */
export function spawnProcessGroup(command: string, args: string[], options: SpawnOptions & { logFile: string }): GroupProcess {
  const { logFile, ...spawnOptions } = options;
  const log = fs.openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { ...spawnOptions, detached: true, stdio: ['ignore', log, log] });
    if (child.pid === undefined) {
      throw new Error(`Failed to start ${command}; see ${logFile}`);
    }
    trackProcessGroup(child.pid);
    return { pid: child.pid, child, logFile };
  } finally {
    fs.closeSync(log);
  }
}

/** Returns true while the process group led by `pid` has a process left that is not a zombie. */
export function processGroupAlive(pid: number): boolean {
  if (procfsAvailable()) {
    return liveGroupMembers(pid).length > 0;
  }
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stops the process group led by `pid`: SIGTERM, then SIGKILL for whatever is
 * left after `graceMs`. Resolves once no process of the group remains, or
 * after SIGKILL plus one second.
 */
export async function stopProcessGroup(pid: number, graceMs = 3000): Promise<void> {
  if (signalGroup(pid, 'SIGTERM') && !(await waitFor(() => !processGroupAlive(pid), graceMs))) {
    signalGroup(pid, 'SIGKILL');
    await waitFor(() => !processGroupAlive(pid), 1000);
  }
  untrackProcessGroup(pid);
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
      return false;
    }
    throw error;
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) {
      return true;
    }
    await delay(50);
  }
  return condition();
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') {
          reject(new Error(`Unexpected server address: ${String(address)}`));
        } else {
          resolve(address.port);
        }
      });
    });
  });
}

/**
 * Polls `url` until it responds with a status below 500, the process group
 * `pid` dies, or `timeoutMs` passes.
 */
export async function waitForHttp(url: string, pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no response yet';
  while (Date.now() < deadline) {
    if (!processGroupAlive(pid)) {
      throw new Error(`Process ${pid} exited before ${url} responded`);
    }
    try {
      const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.status < 500) {
        return;
      }
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = String(error);
    }
    await delay(200);
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${url} (${lastError})`);
}

/** Runs a command to completion and returns its output. Rejects with the output when the command exits non-zero. */
export function runToCompletion(command: string, args: string[], options: SpawnOptions & { timeoutMs: number }): Promise<string> {
  const { timeoutMs, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Timed out after ${timeoutMs} ms: ${command} ${args.join(' ')}\n${output}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve(output);
      } else {
        reject(new Error(`${command} ${args.join(' ')} failed (exit code ${code}, signal ${signal}):\n${output}`));
      }
    });
  });
}

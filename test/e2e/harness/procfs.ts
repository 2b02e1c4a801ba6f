import * as fs from 'node:fs';

/**
 * Process lookups through Linux's /proc. The harness needs them because
 * kill(-pgid, 0) also counts zombies, and a container whose PID 1 does not reap
 * orphans keeps them forever, so a stopped group would look alive.
 */

interface ProcessStat {
  pid: number;
  state: string;
  processGroup: number;
}

function readStat(pid: string): ProcessStat | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid pgrp ...": comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid: Number(pid), state: fields[0], processGroup: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

function processIds(): string[] {
  return fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
}

/** Returns true when /proc can be read, so the functions below return real results. */
export function procfsAvailable(): boolean {
  return fs.existsSync('/proc/self/stat');
}

/** Returns the ids of the processes in group `processGroup` that are not zombies. */
export function liveGroupMembers(processGroup: number): number[] {
  const members: number[] = [];
  for (const pid of processIds()) {
    const stat = readStat(pid);
    if (stat !== undefined && stat.processGroup === processGroup && stat.state !== 'Z') {
      members.push(stat.pid);
    }
  }
  return members;
}

/**
 * Returns the ids of live processes, other than this one, whose command line
 * contains `text`. The harness uses it with a test's temporary folder to find
 * processes that left their group, such as Chromium's crashpad handler.
 */
export function processesWithArgument(text: string): number[] {
  const found: number[] = [];
  for (const pid of processIds()) {
    if (Number(pid) === process.pid) {
      continue;
    }
    try {
      const commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (commandLine.includes(text) && readStat(pid)?.state !== 'Z') {
        found.push(Number(pid));
      }
    } catch {
      // The process exited while /proc was read.
    }
  }
  return found;
}

/** Sends SIGKILL to every live process whose command line contains `text`, and returns their ids. */
export function killProcessesWithArgument(text: string): number[] {
  const pids = processesWithArgument(text);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // It exited in the meantime.
    }
  }
  return pids;
}

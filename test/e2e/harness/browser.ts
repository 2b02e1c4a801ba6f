import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { trackProcessGroup } from './cleanup';
import { freeLoopbackPort, stopProcessGroup } from './processes';

/**
 * Chromium flags for a machine with a closed network: without the background
 * networking flags Chromium keeps opening connections that the network refuses.
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Process id of Chromium's main process, which leads its process group; undefined when it was not found. */
  readonly pid: number | undefined;
  /** Closes the browser and stops Chromium's process group. */
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh profile in `profileDir` and returns its first
 * page. Playwright starts Chromium as the leader of its own process group, so
 * `pid` also identifies the group of its renderer and utility processes.
 */
export async function launchBrowser(chromiumBinary: string, profileDir: string): Promise<Browser> {
  const homeDir = `${profileDir}-home`;
  const tmpDir = path.join(homeDir, 'tmp');
  fs.mkdirSync(tmpDir, { recursive: true });
  const closedPort = await freeLoopbackPort();
  let launchedPid: number | undefined;
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumBinary,
    headless: true,
    // The proxy is a closed loopback port, so a request for any host but the
    // loopback address fails at once instead of leaving the machine.
    args: [...CHROMIUM_FLAGS, `--proxy-server=http://127.0.0.1:${closedPort}`, '--proxy-bypass-list=127.0.0.1;localhost'],
    viewport: { width: 1600, height: 1000 },
    // Chromium writes its singleton socket to TMPDIR and caches below HOME.
    env: {
      ...process.env,
      HOME: homeDir,
      XDG_CONFIG_HOME: path.join(homeDir, '.config'),
      XDG_CACHE_HOME: path.join(homeDir, '.cache'),
      TMPDIR: tmpDir,
    },
    // Playwright logs "<launched> pid=N" on its "browser" channel when it starts Chromium.
    logger: {
      isEnabled: (name) => name === 'browser',
      log: (_name, _severity, message) => {
        const match = /<launched> pid=(\d+)/.exec(String(message));
        if (match) {
          launchedPid = Number(match[1]);
        }
      },
    },
  });
  const pid = launchedPid ?? findChromiumPid(profileDir);
  if (pid !== undefined) {
    trackProcessGroup(pid);
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page, pid, close: () => closeBrowser(context, pid) };
}

/**
 * Closes the browser through Playwright, then stops Chromium's process group
 * in case Playwright's close timed out or left a renderer behind.
 */
async function closeBrowser(context: BrowserContext, pid: number | undefined): Promise<void> {
  try {
    await Promise.race([
      context.close(),
      new Promise((_resolve, reject) => setTimeout(() => reject(new Error('context.close() timed out after 10 s')), 10_000)),
    ]);
  } finally {
    if (pid !== undefined) {
      await stopProcessGroup(pid);
    }
  }
}

/** Finds the Chromium main process started with `--user-data-dir=profileDir` by reading /proc. */
function findChromiumPid(profileDir: string): number | undefined {
  const flag = `--user-data-dir=${profileDir}`;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes(flag) && !args.some((arg) => arg.startsWith('--type='))) {
        return Number(entry);
      }
    } catch {
      // The process exited while /proc was read.
    }
  }
  return undefined;
}

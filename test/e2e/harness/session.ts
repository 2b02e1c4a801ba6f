import * as fs from 'node:fs';
import * as path from 'node:path';
import { launchBrowser, type Browser } from './browser';
import { removeTempDir } from './cleanup';
import { startCodeServer, type CodeServer } from './codeServer';
import { RESULTS_DIR, type E2eEnvironment } from './environment';
import { Workbench } from './workbench';

/**
 * User settings that keep the workbench quiet and predictable: no welcome page,
 * no chat side bar, no update or telemetry traffic, and one Explorer row per
 * folder (compact folders would merge `a/b` into one row).
 */
export const DEFAULT_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'chat.disableAIFeatures': true,
  'explorer.compactFolders': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'editor.codeLens': true,
};

export interface SessionOptions {
  environment: E2eEnvironment;
  /**
   * Temporary folder (from createTempDir). The session owns it from now on, and
   * close() removes it. The workspace, code-server's folders and Chromium's
   * profile are made inside it.
   */
  tempDir: string;
  /** Name of the scenario, used as the prefix of screenshots and saved logs. */
  name: string;
  /** .vsix files to install before code-server starts. */
  vsixFiles: string[];
  /** Writes the workspace's files into the given (empty) folder. */
  prepareWorkspace?: (workspaceDir: string) => unknown;
  /** User settings merged over DEFAULT_SETTINGS. */
  settings?: Record<string, unknown>;
  /** Milliseconds each workbench helper waits; default 30 s. */
  timeoutMs?: number;
}

/** A running code-server, a Chromium showing its workbench, and the folder they write in. */
export class E2eSession {
  private closed = false;

  private constructor(
    readonly tempDir: string,
    readonly workspaceDir: string,
    readonly name: string,
    readonly codeServer: CodeServer,
    readonly browser: Browser,
    readonly workbench: Workbench,
    private readonly browserLogFile: string,
  ) {}

  /**
   * Starts code-server with the extensions installed, opens its workbench in
   * Chromium and waits until the workspace shows. On failure it stops whatever
   * it started, removes `tempDir` and rethrows.
   */
  static async start(options: SessionOptions): Promise<E2eSession> {
    const { tempDir } = options;
    const workspaceDir = path.join(tempDir, 'workspace');
    fs.mkdirSync(workspaceDir, { recursive: true });
    await options.prepareWorkspace?.(workspaceDir);
    writeUserSettings(path.join(tempDir, 'code-server', 'user-data'), { ...DEFAULT_SETTINGS, ...options.settings });

    let codeServer: CodeServer | undefined;
    let browser: Browser | undefined;
    try {
      codeServer = await startCodeServer({ environment: options.environment, tempDir, workspaceDir, extensions: options.vsixFiles });
      browser = await launchBrowser(options.environment.chromiumBinary, path.join(tempDir, 'chromium'));
      const browserLogFile = path.join(tempDir, 'browser-console.log');
      logPageMessages(browser, browserLogFile);

      const workbench = new Workbench(browser.page, {
        screenshotDir: RESULTS_DIR,
        screenshotPrefix: options.name,
        timeoutMs: options.timeoutMs,
      });
      await browser.page.goto(codeServer.workspaceUrl);
      const session = new E2eSession(tempDir, workspaceDir, options.name, codeServer, browser, workbench, browserLogFile);
      try {
        await workbench.waitForReady();
        await workbench.startRecordingNotifications();
      } catch (error) {
        await session.saveFailureArtifacts('startup');
        throw error;
      }
      return session;
    } catch (error) {
      await browser?.close().catch(() => undefined);
      await codeServer?.stop();
      removeTempDir(tempDir);
      throw error;
    }
  }

  /**
   * Saves a screenshot and copies code-server's log and the browser console log
   * to test-results/e2e/, named after the session and `label`. Returns the
   * paths written. Errors while saving are logged, never thrown, so a teardown
   * that calls this still stops the processes.
   */
  async saveFailureArtifacts(label: string): Promise<string[]> {
    const saved: string[] = [];
    const prefix = `${this.name}-${label}`.replace(/[^A-Za-z0-9._-]+/g, '-');
    try {
      saved.push(await this.workbench.screenshot(`${label}-failure`));
    } catch (error) {
      console.error(`e2e: failed to take a failure screenshot of ${this.name}: ${String(error)}`);
    }
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    for (const [source, suffix] of [
      [this.codeServer.folders.logFile, 'code-server.log'],
      [this.browserLogFile, 'browser-console.log'],
    ]) {
      const target = path.join(RESULTS_DIR, `${prefix}-${suffix}`);
      try {
        fs.copyFileSync(source, target);
        saved.push(target);
      } catch (error) {
        console.error(`e2e: failed to copy ${source} to ${target}: ${String(error)}`);
      }
    }
    return saved;
  }

  /**
   * Stops Chromium and code-server (their whole process groups) and removes the
   * temporary folder. Safe to call more than once, and after a failed test.
   */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    try {
      await this.browser.close().catch((error) => console.error(`e2e: closing Chromium failed: ${String(error)}`));
      await this.codeServer.stop();
    } finally {
      removeTempDir(this.tempDir);
    }
  }
}

function writeUserSettings(userDataDir: string, settings: Record<string, unknown>): void {
  const userDir = path.join(userDataDir, 'User');
  fs.mkdirSync(userDir, { recursive: true });
  fs.writeFileSync(path.join(userDir, 'settings.json'), JSON.stringify(settings, null, 2));
}

/** Appends the page's console errors and warnings, and uncaught page errors, to `logFile`. */
function logPageMessages(browser: Browser, logFile: string): void {
  const append = (line: string) => {
    try {
      fs.appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
    } catch {
      // The session's folder is already removed: the page is closing.
    }
  };
  browser.page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      append(`[${message.type()}] ${message.text()}`);
    }
  });
  browser.page.on('pageerror', (error) => append(`[pageerror] ${error.stack ?? String(error)}`));
}

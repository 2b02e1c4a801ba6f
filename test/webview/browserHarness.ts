/**
 * Harness of the webview browser tests: builds the page script with the webview's
 * webpack configuration, serves the page on 127.0.0.1, and opens it in headless
 * Chromium with a stand-in for VS Code's webview host.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import webpack from 'webpack';
import { renderPanelHtml } from '../../src/client/webview/panelHtml';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Chromium binary; Debian's package installs it at /usr/bin/chromium. */
export const CHROMIUM_PATH = process.env.HESSIAN_SPECTRUM_CHROMIUM ?? '/usr/bin/chromium';

/** Folder of the screenshots that the tests keep as artefacts. */
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results', 'webview');

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Stand-in for VS Code's webview host, which cannot run in a plain browser. VS Code
 * defines `acquireVsCodeApi` before the page's scripts run; this one records what
 * the page posts and keeps the state it saves. The script also records every CSP
 * violation, and it runs as a Playwright init script, outside the page's CSP.
 */
const HOST_STAND_IN = `
(() => {
  window.__posted = [];
  window.__cspViolations = [];
  let savedState;
  window.acquireVsCodeApi = () => ({
    postMessage: (message) => window.__posted.push(JSON.parse(JSON.stringify(message))),
    getState: () => savedState,
    setState: (state) => { savedState = state; },
  });
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push({ directive: event.violatedDirective, blockedURI: event.blockedURI, sample: event.sample });
  });
})();
`;

/** Returns a loopback port that nothing listens on, for Chromium's proxy, so no request leaves the machine. */
async function closedLoopbackPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Bundles media/main.ts with media/webpack.webview.js into `outputDir` (webview.js
 * and plotly.js), minified as `webpack --mode production` builds it for the .vsix.
 */
export async function buildWebviewBundle(outputDir: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const baseConfig = require(path.join(REPO_ROOT, 'media', 'webpack.webview.js')) as webpack.Configuration;
  const config: webpack.Configuration = {
    ...baseConfig,
    mode: 'production',
    output: { ...baseConfig.output, path: outputDir },
    devtool: false,
  };

  const stats = await new Promise<webpack.Stats>((resolve, reject) => {
    webpack(config, (error, result) => {
      if (error || !result) {
        reject(error ?? new Error('webpack returned no result'));
        return;
      }
      resolve(result);
    });
  });
  if (stats.hasErrors()) {
    throw new Error(`The webview bundle failed to build:\n${stats.toString({ all: false, errors: true })}`);
  }
}

interface Route {
  file?: string;
  body?: string;
  contentType: string;
}

/** An HTTP server on 127.0.0.1 that serves the panel's HTML and its three files. */
export class PageServer {
  private constructor(
    private readonly server: http.Server,
    readonly origin: string,
  ) {}

  /** Starts the server; `bundleDir` contains webview.js and plotly.js. */
  static async start(bundleDir: string): Promise<PageServer> {
    const routes = new Map<string, Route>();
    const server = http.createServer((request, response) => {
      const route = routes.get(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
      if (!route) {
        response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      const body = route.file ? fs.readFileSync(route.file) : route.body ?? '';
      response.writeHead(200, { 'Content-Type': route.contentType, 'Cache-Control': 'no-store' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    routes.set('/dist/webview.js', { file: path.join(bundleDir, 'webview.js'), contentType: 'text/javascript' });
    routes.set('/dist/plotly.js', { file: path.join(bundleDir, 'plotly.js'), contentType: 'text/javascript' });
    routes.set('/media/spectrum.css', { file: path.join(REPO_ROOT, 'media', 'spectrum.css'), contentType: 'text/css' });
    routes.set('/favicon.ico', { body: '', contentType: 'image/x-icon' });
    routes.set('/panel.html', {
      contentType: 'text/html; charset=utf-8',
      // The CSP source is this server's origin, as webview.cspSource is the webview's resource origin in VS Code.
      body: renderPanelHtml({
        cspSource: origin,
        nonce: 'dGVzdC1ub25jZS1mb3ItdGhlLXBhZ2U',
        scriptUri: `${origin}/dist/webview.js`,
        plotlyUri: `${origin}/dist/plotly.js`,
        styleUri: `${origin}/media/spectrum.css`,
        title: 'Hessian spectrum: mnist.json',
      }),
    });
    return new PageServer(server, origin);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Launches headless Chromium with its proxy set to a closed loopback port. */
export async function launchChromium(): Promise<Browser> {
  const closedPort = await closedLoopbackPort();
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_FLAGS, `--proxy-server=http://127.0.0.1:${closedPort}`, '--proxy-bypass-list=127.0.0.1'],
  });
}

/** What the page did besides rendering: console errors, uncaught errors, dialogs and requests to other origins. */
export interface PageEvents {
  consoleErrors: string[];
  pageErrors: string[];
  dialogs: string[];
  foreignRequests: string[];
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  events: PageEvents;
}

/** Opens the panel page in a fresh context and waits until the page has posted `ready`. */
export async function openPanelPage(browser: Browser, server: PageServer, colorScheme: 'light' | 'dark' = 'light'): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme });
  await context.addInitScript({ content: HOST_STAND_IN });
  const page = await context.newPage();
  const events: PageEvents = { consoleErrors: [], pageErrors: [], dialogs: [], foreignRequests: [] };

  page.on('console', (message) => {
    if (message.type() === 'error') {
      events.consoleErrors.push(message.text());
    }
  });
  page.on('pageerror', (error) => events.pageErrors.push(error.message));
  page.on('dialog', (dialog) => {
    events.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${server.origin}/`) && !url.startsWith('data:') && !url.startsWith('blob:')) {
      events.foreignRequests.push(url);
    }
  });

  await page.goto(`${server.origin}/panel.html`);
  await waitForCondition(page, 'window.__posted.some((message) => message.type === "ready")');
  return { context, page, events };
}

/**
 * Polls a JavaScript expression in the page until it is truthy. Playwright's
 * waitForFunction polls through eval inside the page, which the page's CSP blocks
 * (and reports as a violation); page.evaluate runs outside the CSP.
 */
export async function waitForCondition(page: Page, expression: string, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate<boolean>(`Boolean(${expression})`))) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${expression}`);
    }
    await page.waitForTimeout(50);
  }
}

/** Delivers a message to the page as the extension's `webview.postMessage` does: a message event on the window. */
export async function postToPage(page: Page, message: unknown): Promise<void> {
  await page.evaluate(`window.postMessage(${JSON.stringify(message)}, '*')`);
}

/** Returns the messages that the page has posted to the extension so far. */
export async function postedMessages(page: Page): Promise<Array<Record<string, unknown>>> {
  return page.evaluate<Array<Record<string, unknown>>>('window.__posted');
}

/** Returns the CSP violations that the page has reported so far. */
export async function cspViolations(page: Page): Promise<Array<Record<string, string>>> {
  return page.evaluate<Array<Record<string, string>>>('window.__cspViolations');
}

/** Saves a full-page screenshot under test-results/webview/ and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Creates a temporary folder for the bundle; the caller removes it. */
export function createBundleDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'hessian-webview-'));
}

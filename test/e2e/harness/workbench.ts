import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { delay } from './processes';

/** One row of the Problems panel. */
export interface Problem {
  /** File name as the panel shows it, without its folder. */
  file: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** Diagnostic source, such as the extension's diagnostic collection name. */
  source: string;
  /** 1-based line, or undefined when the panel shows none. */
  line: number | undefined;
}

export interface WorkbenchOptions {
  /** Folder for screenshots; created on the first screenshot. */
  screenshotDir: string;
  /** Prefix of screenshot file names, so parallel scenarios do not overwrite each other. */
  screenshotPrefix: string;
  /** Milliseconds each helper waits for the workbench to reach the expected state. */
  timeoutMs?: number;
}

const QUICK_INPUT = '.quick-input-widget';
const QUICK_INPUT_BOX = `${QUICK_INPUT} .quick-input-box input`;
const EXPLORER_TREE = '.explorer-folders-view';
const CONTEXT_MENU = '.context-view .monaco-menu';
const NOTIFICATION_MESSAGES = '.notifications-toasts .notification-list-item, .notifications-center .notification-list-item';

/**
 * Drives the VS Code workbench that code-server serves, through the DOM of VS
 * Code 1.139 (code-server 4.139.1). Every helper waits on selectors or polls
 * the DOM until a deadline. None of them sleeps for a fixed time.
 *
 * NOTE: the selectors are VS Code internals, not an API. A new code-server
 * version can break them; the proof test in harness.test.ts then fails first.
 */
export class Workbench {
  readonly timeoutMs: number;

  constructor(
    readonly page: Page,
    private readonly options: WorkbenchOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /**
   * Waits until the workbench shows the open folder's files in the Explorer.
   * Extensions may still be activating then, but the workbench queues commands
   * until the extension that contributes them is active.
   */
  async waitForReady(): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: this.timeoutMs * 2 });
    await this.page.locator(`${EXPLORER_TREE} .monaco-list-row`).first().waitFor({ state: 'visible', timeout: this.timeoutMs });
  }

  /**
   * Runs a command from the command palette. The palette filters on
   * `filterText` (the command's title or its id), and the entry whose command id
   * is `commandId` is clicked, so a similar title cannot be picked by mistake.
   */
  async runCommand(commandId: string, filterText: string = commandId): Promise<void> {
    await this.openQuickInput('F1');
    await this.page.locator(QUICK_INPUT_BOX).fill(`>${filterText}`);
    const entry = this.page.locator(`${QUICK_INPUT} .quick-input-list-entry[data-quick-input-id="${cssString(commandId)}"]`);
    await entry.first().waitFor({ state: 'visible', timeout: this.timeoutMs });
    await entry.first().click();
  }

  /** Opens a workspace file by its path relative to the workspace folder, with Quick Open. */
  async openFile(relativePath: string): Promise<void> {
    const name = path.posix.basename(relativePath);
    await this.openQuickInput('Control+p');
    await this.page.locator(QUICK_INPUT_BOX).fill(relativePath);
    // Quick Open labels a file row "<name> <folder>, file results".
    const folder = path.posix.dirname(relativePath);
    const label = folder === '.' ? name : `${name} ${folder}`;
    const row = this.page.locator(`${QUICK_INPUT} .monaco-list-row[aria-label^="${cssString(label)},"]`);
    await row.first().waitFor({ state: 'visible', timeout: this.timeoutMs });
    await row.first().click();
    await this.page
      .locator(`.editor-group-container.active .tab.active[data-resource-name="${cssString(name)}"]`)
      .waitFor({ state: 'visible', timeout: this.timeoutMs });
  }

  /**
   * Shows the Explorer, expands the folders on `relativePath` and returns the
   * file's row.
   *
   * NOTE: the Explorer renders only the rows in view, so a file far down a long
   * tree is not found. Proof and scenario workspaces are small.
   */
  async revealInExplorer(relativePath: string): Promise<Locator> {
    if (!(await this.page.locator(EXPLORER_TREE).isVisible())) {
      await this.runCommand('workbench.view.explorer');
    }
    const tree = this.page.locator(EXPLORER_TREE);
    const segments = relativePath.split('/').filter((segment) => segment.length > 0);
    let parentIndex = -1;
    let row: Locator | undefined;
    for (let level = 1; level <= segments.length; level++) {
      const name = segments[level - 1];
      row = await this.findTreeRow(tree, name, level, parentIndex);
      parentIndex = Number(await row.getAttribute('data-index'));
      if (level < segments.length && (await row.getAttribute('aria-expanded')) === 'false') {
        await row.click();
        await tree
          .locator(`.monaco-list-row[data-index="${parentIndex}"][aria-expanded="true"]`)
          .waitFor({ state: 'visible', timeout: this.timeoutMs });
      }
    }
    if (row === undefined) {
      throw new Error(`Invalid Explorer path: "${relativePath}"`);
    }
    return row;
  }

  /**
   * Finds the row `name` at tree depth `level` that comes after the parent's row
   * (the children of a folder follow it), waiting until it is rendered.
   */
  private async findTreeRow(tree: Locator, name: string, level: number, parentIndex: number): Promise<Locator> {
    const candidates = tree.locator(`.monaco-list-row[aria-label="${cssString(name)}"][aria-level="${level}"]`);
    const index = await this.waitForValue(`Explorer row "${name}" at depth ${level}`, async () => {
      const indexes = await candidates.evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-index'))));
      return indexes.filter((value) => value > parentIndex).sort((a, b) => a - b)[0];
    });
    return tree.locator(`.monaco-list-row[data-index="${index}"]`);
  }

  /**
   * Right-clicks a file or folder in the Explorer and picks the context-menu
   * item whose label is `itemLabel`. Some VS Code builds render this menu in a
   * shadow root (code-server 4.139.1 does not). Playwright's CSS selectors
   * pierce open shadow roots, so the same selector works in both.
   */
  async explorerContextMenu(relativePath: string, itemLabel: string): Promise<void> {
    const row = await this.revealInExplorer(relativePath);
    await row.click({ button: 'right' });
    const menu = this.page.locator(CONTEXT_MENU);
    await menu.waitFor({ state: 'visible', timeout: this.timeoutMs });
    const item = menu.locator(`.action-menu-item:has(> .action-label[aria-label="${cssString(itemLabel)}"])`);
    try {
      await item.waitFor({ state: 'visible', timeout: this.timeoutMs });
    } catch (error) {
      const labels = await menu.locator('.action-label[aria-label]').evaluateAll((items) => items.map((e) => e.getAttribute('aria-label')));
      await this.page.keyboard.press('Escape');
      throw new Error(`Context menu of ${relativePath} has no item "${itemLabel}". Items: ${labels.filter((label) => label).join(', ')}`, { cause: error });
    }
    await item.click();
    await menu.waitFor({ state: 'hidden', timeout: this.timeoutMs });
  }

  /**
   * Picks the item labelled `label` in the open quick pick. A string label must
   * match exactly. It is typed into the filter first, so that items below the
   * visible part of a long list are found. A RegExp is matched against the rows
   * as they are.
   */
  async pickQuickPickItem(label: string | RegExp): Promise<void> {
    const input = this.page.locator(QUICK_INPUT_BOX);
    await input.waitFor({ state: 'visible', timeout: this.timeoutMs });
    if (typeof label === 'string') {
      await input.fill(label);
    }
    const pattern = typeof label === 'string' ? new RegExp(`^${escapeRegExp(label)}$`) : label;
    const row = this.page
      .locator(`${QUICK_INPUT} .monaco-list-row`)
      .filter({ has: this.page.locator('.label-name', { hasText: pattern }) });
    await row.first().waitFor({ state: 'visible', timeout: this.timeoutMs });
    await row.first().click();
  }

  /** Types `text` into the open input box (showInputBox) and presses Enter. */
  async answerInputBox(text: string): Promise<void> {
    const input = this.page.locator(QUICK_INPUT_BOX);
    await input.waitFor({ state: 'visible', timeout: this.timeoutMs });
    await input.fill(text);
    await input.press('Enter');
    await this.page.locator(QUICK_INPUT).waitFor({ state: 'hidden', timeout: this.timeoutMs });
  }

  /** Returns the messages of the notifications on screen (toasts, and the notification center when open). */
  async notifications(): Promise<string[]> {
    return this.page
      .locator(`${NOTIFICATION_MESSAGES}`)
      .locator('.notification-list-item-message')
      .evaluateAll((items) => items.map((item) => (item.textContent ?? '').trim()));
  }

  /**
   * Waits for a notification whose message matches `text` and returns the
   * message. Toasts hide themselves after a while, so when none matches by half
   * the timeout, the notification center is opened and searched as well.
   */
  async waitForNotification(text: string | RegExp): Promise<string> {
    const matches = (message: string) => (typeof text === 'string' ? message.includes(text) : text.test(message));
    const halfway = Date.now() + this.timeoutMs / 2;
    let centerOpened = false;
    return this.waitForValue(`notification matching ${String(text)}`, async () => {
      const found = (await this.notifications()).find(matches);
      if (found === undefined && !centerOpened && Date.now() > halfway) {
        centerOpened = true;
        await this.runCommand('notifications.showList');
      }
      return found;
    });
  }

  /** Clicks the button `buttonLabel` (such as Cancel) of the notification whose message matches `text`. */
  async clickNotificationButton(text: string | RegExp, buttonLabel: string): Promise<void> {
    const notification = this.page.locator(NOTIFICATION_MESSAGES).filter({
      has: this.page.locator('.notification-list-item-message', { hasText: text }),
    });
    const button = notification.locator('.monaco-button', { hasText: new RegExp(`^${escapeRegExp(buttonLabel)}$`) });
    await button.first().waitFor({ state: 'visible', timeout: this.timeoutMs });
    await button.first().click();
  }

  /** Opens the Problems panel and returns its rows. */
  async problems(): Promise<Problem[]> {
    const panel = this.page.locator('.markers-panel');
    if (!(await panel.isVisible())) {
      await this.runCommand('workbench.action.problems.focus');
      await panel.waitFor({ state: 'visible', timeout: this.timeoutMs });
    }
    return panel.locator('.monaco-list-row').evaluateAll((rows) => {
      const problems: Array<{ file: string; severity: string; message: string; source: string; line: number | undefined }> = [];
      let file = '';
      for (const row of rows) {
        const icon = row.querySelector('.marker-icon');
        if (icon === null) {
          // A file row: "<n> problems in file <name> of folder <folder>".
          const match = /in file (.+?)(?: of folder .*)?$/.exec(row.getAttribute('aria-label') ?? '');
          file = match ? match[1] : '';
          continue;
        }
        const severity = ['error', 'warning', 'info'].find((name) => icon.classList.contains(name)) ?? 'info';
        const lineMatch = /Ln (\d+)/.exec(row.querySelector('.marker-line')?.textContent ?? '');
        problems.push({
          file,
          severity,
          message: (row.querySelector('.marker-message')?.textContent ?? '').trim(),
          source: (row.querySelector('.marker-source')?.textContent ?? '').trim(),
          line: lineMatch ? Number(lineMatch[1]) : undefined,
        });
      }
      return problems;
    }) as Promise<Problem[]>;
  }

  /** Waits until the Problems panel lists a problem that satisfies `predicate`, and returns it. */
  async waitForProblem(predicate: (problem: Problem) => boolean, description: string): Promise<Problem> {
    return this.waitForValue(`problem: ${description}`, async () => (await this.problems()).find(predicate));
  }

  /** Returns the titles of the code lenses rendered in the active editor. */
  async codeLenses(): Promise<string[]> {
    return this.page
      .locator('.editor-group-container.active .monaco-editor .codelens-decoration a')
      .evaluateAll((lenses) => lenses.map((lens) => (lens.textContent ?? '').trim()));
  }

  /** Waits for a code lens in the active editor whose title matches `text` and returns its locator. */
  async waitForCodeLens(text: string | RegExp): Promise<Locator> {
    const lens = this.page.locator('.editor-group-container.active .monaco-editor .codelens-decoration a', { hasText: text });
    try {
      await lens.first().waitFor({ state: 'visible', timeout: this.timeoutMs });
    } catch (error) {
      throw new Error(`No code lens matching ${String(text)} in the active editor. Lenses: ${JSON.stringify(await this.codeLenses())}`, { cause: error });
    }
    return lens.first();
  }

  /**
   * Returns the inner frame of the visible webview: VS Code hosts each webview
   * in `iframe.webview.ready`, which loads the extension's HTML into `#active-frame`.
   */
  activeWebviewFrame(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready:visible').frameLocator('#active-frame');
  }

  /** Waits until the element `selector` of the visible webview contains `text`, and returns its text. */
  async waitForWebviewText(selector: string, text: string | RegExp): Promise<string> {
    const element = this.activeWebviewFrame().locator(selector, { hasText: text });
    await element.first().waitFor({ state: 'visible', timeout: this.timeoutMs });
    return (await element.first().textContent()) ?? '';
  }

  /** Saves a full-window screenshot as `<prefix>-<name>.png` in the screenshot folder and returns its path. */
  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(this.options.screenshotDir, { recursive: true });
    const file = path.join(this.options.screenshotDir, `${safeFileName(`${this.options.screenshotPrefix}-${name}`)}.png`);
    await this.page.screenshot({ path: file, timeout: this.timeoutMs });
    return file;
  }

  /**
   * Opens the quick input with `key` and waits until its input box has focus.
   * The key goes to whatever has focus; when that is a webview, the webview
   * forwards it to the workbench, which can take a moment. So a key that opened
   * nothing within 5 s is pressed again, up to three times.
   */
  private async openQuickInput(key: string): Promise<void> {
    const input = this.page.locator(QUICK_INPUT_BOX);
    if (await input.isVisible()) {
      await this.page.keyboard.press('Escape');
      await input.waitFor({ state: 'hidden', timeout: this.timeoutMs });
    }
    for (let attempt = 1; ; attempt++) {
      await this.page.keyboard.press(key);
      try {
        await input.waitFor({ state: 'visible', timeout: attempt < 3 ? 5000 : this.timeoutMs });
        break;
      } catch (error) {
        if (attempt === 3) {
          throw new Error(`Pressing ${key} three times opened no quick input`, { cause: error });
        }
      }
    }
    await this.waitForValue('focus in the quick input box', () => input.evaluate((element) => element.ownerDocument.activeElement === element || undefined));
  }

  /** Polls `read` every 100 ms until it returns a value other than undefined, or fails after the timeout. */
  async waitForValue<T>(description: string, read: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const value = await read();
      if (value !== undefined) {
        return value;
      }
      if (Date.now() > deadline) {
        throw new Error(`Timed out after ${this.timeoutMs} ms waiting for ${description}`);
      }
      await delay(100);
    }
  }
}

/** Escapes a value for a double-quoted CSS attribute selector. */
function cssString(value: string): string {
  return value.replace(/["\\]/g, '\\$&');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
}

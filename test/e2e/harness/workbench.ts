import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { delay } from './processes';

/** One row of the Problems panel. */
export interface Problem {
  /** File name as the panel shows it, without its folder. */
  file: string;
  /** Folder of the file relative to the workspace folder, as the panel shows it; '' for a file at the top. */
  folder: string;
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
const DIALOG = '.monaco-dialog-box';
/** Milliseconds between two reads of the DOM while a helper waits for a state. */
const POLL_INTERVAL_MS = 100;

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
    await this.acceptQuickInputRow(entry.first(), `command ${commandId}`);
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
    await this.acceptQuickInputRow(row.first(), `file ${relativePath}`);
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
   *
   * The item is picked with the keyboard: hovering focuses it, and Enter runs
   * it. A mouse click is not reliable because VS Code's menu items start
   * listening for mouse-up events only 100 ms after the menu renders (a timer
   * of BaseMenuActionViewItem, so that the mouse-up of the right-click cannot
   * pick an item). On a loaded machine that timer fires late, and a click in
   * between highlights the item but does nothing. The menu also lists only the
   * entries whose `when` clause was true when it opened. A menu without the
   * item (because an extension has not set its context key yet) is closed and
   * opened again until the item shows or the timeout passes.
   */
  async explorerContextMenu(relativePath: string, itemLabel: string): Promise<void> {
    const menu = this.page.locator(CONTEXT_MENU);
    const item = menu.locator(`.action-menu-item:has(> .action-label[aria-label="${cssString(itemLabel)}"])`);
    const focusedItem = menu.locator(`.action-item.focused:has(> .action-menu-item > .action-label[aria-label="${cssString(itemLabel)}"])`);
    const deadline = Date.now() + this.timeoutMs;
    let labels: string[] = [];
    for (let attempt = 1; ; attempt++) {
      if (!(await menu.isVisible())) {
        const row = await this.revealInExplorer(relativePath);
        await row.click({ button: 'right' });
        await menu.locator('.action-label').first().waitFor({ state: 'visible', timeout: this.timeoutMs });
      }
      labels = await menu.locator('.action-label[aria-label]').evaluateAll((items) => items.map((e) => e.getAttribute('aria-label') ?? ''));
      if (labels.includes(itemLabel)) {
        if (attempt > 1) {
          // A pointer already over the item sends no new mouseover, and that event is what focuses it.
          await this.page.mouse.move(0, 0);
        }
        await item.hover();
        // Enter runs the focused item, and hovering may not have focused it yet.
        if (await this.becomesVisible(focusedItem, 2000)) {
          await this.page.keyboard.press('Enter');
          if (await this.becomesHidden(menu, 5000)) {
            return;
          }
        }
      } else {
        await this.page.keyboard.press('Escape');
        await menu.waitFor({ state: 'hidden', timeout: this.timeoutMs });
      }
      if (Date.now() > deadline) {
        break;
      }
      await delay(POLL_INTERVAL_MS);
    }
    if (await menu.isVisible()) {
      await this.page.keyboard.press('Escape');
    }
    const found = labels.includes(itemLabel) ? 'has the item, but picking it did not close the menu' : 'has no item';
    throw new Error(`Context menu of ${relativePath} ${found} "${itemLabel}" after ${this.timeoutMs} ms. Items: ${labels.filter((label) => label).join(', ')}`);
  }

  /**
   * Clicks the action labelled `label` in the title bar of the active editor,
   * such as the icon that an extension contributes to `editor/title`.
   */
  async clickEditorTitleAction(label: string): Promise<void> {
    const action = this.page.locator(`.editor-group-container.active .editor-actions .action-label[aria-label="${cssString(label)}"]`);
    try {
      await action.first().waitFor({ state: 'visible', timeout: this.timeoutMs });
    } catch (error) {
      const labels = await this.page
        .locator('.editor-group-container.active .editor-actions .action-label[aria-label]')
        .evaluateAll((items) => items.map((e) => e.getAttribute('aria-label')));
      throw new Error(`The active editor has no title action "${label}". Actions: ${labels.join(', ')}`, { cause: error });
    }
    await action.first().click();
  }

  /** Waits for a modal dialog (showInformationMessage with `modal: true`) and returns its text. */
  async waitForDialog(): Promise<string> {
    const dialog = this.page.locator(DIALOG);
    await dialog.waitFor({ state: 'visible', timeout: this.timeoutMs });
    return ((await dialog.locator('.dialog-message-row').textContent()) ?? '').trim();
  }

  /** Clicks the button `buttonLabel` of the open modal dialog and waits until the dialog closes. */
  async answerDialog(buttonLabel: string): Promise<void> {
    const dialog = this.page.locator(DIALOG);
    const button = dialog.locator('.dialog-buttons .monaco-button', { hasText: new RegExp(`^${escapeRegExp(buttonLabel)}$`) });
    await button.first().waitFor({ state: 'visible', timeout: this.timeoutMs });
    await button.first().click();
    await dialog.waitFor({ state: 'hidden', timeout: this.timeoutMs });
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
    await this.acceptQuickInputRow(row.first(), `item ${String(label)}`);
  }

  /**
   * Types `text` into the open input box (showInputBox) and presses Enter, then
   * waits until the quick input hides or shows the next step of a dialog.
   */
  async answerInputBox(text: string): Promise<void> {
    const input = this.page.locator(QUICK_INPUT_BOX);
    await input.waitFor({ state: 'visible', timeout: this.timeoutMs });
    await input.fill(text);
    const typed = await this.quickInputStep();
    await input.press('Enter');
    const widget = this.page.locator(QUICK_INPUT);
    const moved = await this.waitForCondition(this.timeoutMs, async () => !(await widget.isVisible()) || (await this.quickInputStep()) !== typed);
    if (!moved) {
      throw new Error(`The input box kept "${text}" after Enter for ${this.timeoutMs} ms; its validation message may have rejected it`);
    }
  }

  /** Returns the messages of the notifications on screen (toasts, and the notification center when open). */
  async notifications(): Promise<string[]> {
    return this.page
      .locator(`${NOTIFICATION_MESSAGES}`)
      .locator('.notification-list-item-message')
      .evaluateAll((items) => items.map((item) => (item.textContent ?? '').trim()));
  }

  /**
   * Starts recording every notification message that appears, in the page, so
   * that a notification shown only briefly (the progress of a short analysis)
   * is still found by recordedNotifications and waitForNotification. Calling it
   * again does nothing. A reload of the workbench ends the recording.
   */
  async startRecordingNotifications(): Promise<void> {
    await this.page.locator('body').evaluate((body, selector) => {
      const scope = globalThis as unknown as { __e2eNotifications?: string[] };
      if (scope.__e2eNotifications !== undefined) {
        return;
      }
      const seen: string[] = [];
      scope.__e2eNotifications = seen;
      const window = body.ownerDocument.defaultView;
      if (window === null) {
        throw new Error('The workbench page has no window to observe');
      }
      // No named function in here: tsx compiles them with a __name helper that the page lacks.
      const observer = new window.MutationObserver(() => {
        for (const item of body.querySelectorAll(selector)) {
          const message = (item.textContent ?? '').trim();
          if (message !== '' && !seen.includes(message)) {
            seen.push(message);
          }
        }
      });
      observer.observe(body, { childList: true, subtree: true, characterData: true });
      // Touch the DOM once, so that notifications already on screen are recorded too.
      body.append(body.ownerDocument.createComment('e2e notification recorder'));
    }, '.notification-list-item-message');
  }

  /** Returns the messages recorded since startRecordingNotifications, oldest first; empty when it was not called. */
  async recordedNotifications(): Promise<string[]> {
    return this.page.evaluate(() => [...((globalThis as unknown as { __e2eNotifications?: string[] }).__e2eNotifications ?? [])]);
  }

  /**
   * Waits for a notification whose message matches `text` and returns the
   * message. Toasts hide themselves after a while, so the messages recorded
   * since startRecordingNotifications are searched too, and when none matches
   * by half the timeout, the notification center is opened and searched as well.
   */
  async waitForNotification(text: string | RegExp): Promise<string> {
    const matches = (message: string) => (typeof text === 'string' ? message.includes(text) : text.test(message));
    const halfway = Date.now() + this.timeoutMs / 2;
    let centerOpened = false;
    return this.waitForValue(`notification matching ${String(text)}`, async () => {
      const found = (await this.notifications()).find(matches) ?? (await this.recordedNotifications()).find(matches);
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

  /**
   * Opens the Problems panel and returns its problems. The panel renders only
   * the rows in view, so when it has more rows than fit, it is scrolled with
   * the mouse wheel until every row has been read.
   */
  async problems(): Promise<Problem[]> {
    const panel = this.page.locator('.markers-panel');
    if (!(await panel.isVisible())) {
      await this.runCommand('workbench.action.problems.focus');
      await panel.waitFor({ state: 'visible', timeout: this.timeoutMs });
    }
    const list = panel.locator('.monaco-list').first();
    let view = await readProblemsRows(list);
    const rowsByIndex = new Map<number, ProblemsRow>();
    const addRows = (): void => {
      for (const row of view.rows) {
        rowsByIndex.set(row.index, row);
      }
    };
    addRows();
    // A wheel event scrolls the list by a few rows whatever its delta. So the
    // list is scrolled one event at a time, first up and then down, and the rows
    // in view are read after each event. This stops once the list no longer
    // moves or every row was read.
    for (const direction of [-1, 1]) {
      const canMove = (): boolean => (direction < 0 ? topRowIndex(view) > 0 : bottomRowIndex(view) < view.totalRows - 1);
      while (rowsByIndex.size < view.totalRows && view.rows.length > 0 && canMove()) {
        const previousTop = topRowIndex(view);
        await list.hover();
        await this.page.mouse.wheel(0, direction * view.visibleHeight);
        if (!(await this.waitForCondition(2000, async () => topRowIndex(await readProblemsRows(list)) !== previousTop))) {
          break;
        }
        view = await readProblemsRows(list);
        addRows();
      }
    }

    const problems: Problem[] = [];
    let file = '';
    let folder = '';
    for (const row of [...rowsByIndex.values()].sort((a, b) => a.index - b.index)) {
      if (row.kind === 'file') {
        file = row.file;
        folder = row.folder;
      } else {
        problems.push({ file, folder, severity: row.severity, message: row.message, source: row.source, line: row.line });
      }
    }
    return problems;
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

  /** Clicks the code lens in the active editor whose title matches `text`. */
  async clickCodeLens(text: string | RegExp): Promise<void> {
    const lens = await this.waitForCodeLens(text);
    await lens.click();
  }

  /**
   * Returns the inner frame of the visible webview: VS Code hosts each webview
   * in `iframe.webview.ready`, which loads the extension's HTML into `#active-frame`.
   */
  activeWebviewFrame(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready:visible').frameLocator('#active-frame');
  }

  /** Waits until the visible webview has an element matching `selector` and returns the text of each match. */
  async webviewTexts(selector: string): Promise<string[]> {
    const elements = this.activeWebviewFrame().locator(selector);
    await elements.first().waitFor({ state: 'attached', timeout: this.timeoutMs });
    return elements.evaluateAll((matches) => matches.map((match) => (match.textContent ?? '').trim()));
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
   * The key goes to whatever has focus. When that is a webview, the webview
   * forwards it to the workbench, which can take a moment, so a key that opened
   * nothing within 5 s is pressed again. A webview or editor that an earlier
   * command opens can also take the focus after the quick input showed, and
   * the input box is then focused again.
   */
  private async openQuickInput(key: string): Promise<void> {
    const input = this.page.locator(QUICK_INPUT_BOX);
    if (await input.isVisible()) {
      await this.page.keyboard.press('Escape');
      await input.waitFor({ state: 'hidden', timeout: this.timeoutMs });
    }
    const deadline = Date.now() + this.timeoutMs;
    let presses = 0;
    while (Date.now() <= deadline) {
      if (!(await input.isVisible())) {
        await this.page.keyboard.press(key);
        presses++;
        if (!(await this.becomesVisible(input, 5000))) {
          continue;
        }
      }
      if (await this.gainsFocus(input, 1000)) {
        return;
      }
      await input.focus().catch(() => undefined);
    }
    throw new Error(`Pressing ${key} ${presses} time(s) in ${this.timeoutMs} ms opened no quick input with the focus in its input box`);
  }

  /** Waits up to `timeoutMs` for the element of `locator` to be the page's focused element; returns whether it was. */
  private async gainsFocus(locator: Locator, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const focused = await locator
        .evaluate((element) => element.ownerDocument.activeElement === element, undefined, { timeout: timeoutMs })
        .catch(() => false);
      if (focused || Date.now() > deadline) {
        return focused;
      }
      await delay(POLL_INTERVAL_MS);
    }
  }

  /**
   * Clicks a row of the open quick input and waits for the effect: the quick
   * input hides, or shows another step (a new title, placeholder or value). A
   * click that had no effect within 5 s, because the list re-rendered under the
   * pointer, is repeated while the row is still there. On a loaded machine the
   * effect can come just after those 5 s, so a repeated click that finds the
   * row gone is not an error: the effect is checked again.
   */
  private async acceptQuickInputRow(row: Locator, description: string): Promise<void> {
    const widget = this.page.locator(QUICK_INPUT);
    const before = await this.quickInputStep();
    const moved = async (): Promise<boolean> => !(await widget.isVisible()) || (await this.quickInputStep()) !== before;
    const deadline = Date.now() + this.timeoutMs;
    await row.click();
    for (;;) {
      if (await this.waitForCondition(5000, moved)) {
        return;
      }
      if (Date.now() > deadline || !(await row.isVisible())) {
        throw new Error(`Clicking ${description} in the quick input had no effect within ${this.timeoutMs} ms`);
      }
      await row.click({ timeout: 5000 }).catch(() => undefined);
    }
  }

  /** Returns the title, placeholder and value of the quick input, which distinguish one step of a multi-step input from the next. */
  private async quickInputStep(): Promise<string> {
    return this.page
      .locator(QUICK_INPUT)
      .evaluate((widget) => {
        const title = widget.querySelector('.quick-input-title')?.textContent ?? '';
        const input = widget.querySelector('.quick-input-box input') as unknown as { placeholder: string; value: string } | null;
        return JSON.stringify([title, input?.placeholder ?? '', input?.value ?? '']);
      })
      .catch(() => '');
  }

  /** Polls `condition` until it returns true or `timeoutMs` passes; returns its last result. */
  private async waitForCondition(timeoutMs: number, condition: () => Promise<boolean>): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await condition()) {
        return true;
      }
      if (Date.now() > deadline) {
        return false;
      }
      await delay(POLL_INTERVAL_MS);
    }
  }

  /** Waits up to `timeoutMs` for `locator` to become visible; returns whether it did. */
  private async becomesVisible(locator: Locator, timeoutMs: number): Promise<boolean> {
    return locator.waitFor({ state: 'visible', timeout: timeoutMs }).then(
      () => true,
      () => false,
    );
  }

  /** Waits up to `timeoutMs` for `locator` to be hidden or detached; returns whether it was. */
  private async becomesHidden(locator: Locator, timeoutMs: number): Promise<boolean> {
    return locator.waitFor({ state: 'hidden', timeout: timeoutMs }).then(
      () => true,
      () => false,
    );
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
      await delay(POLL_INTERVAL_MS);
    }
  }
}

/** A rendered row of the Problems panel: a file, or one problem of the file above it. */
type ProblemsRow =
  | { index: number; kind: 'file'; file: string; folder: string }
  | ({ index: number; kind: 'marker' } & Omit<Problem, 'file' | 'folder'>);

/** The rows of the Problems panel's list that are rendered now, the number of rows it has in all, and its visible height in pixels. */
interface ProblemsView {
  rows: ProblemsRow[];
  totalRows: number;
  visibleHeight: number;
}

/** Index of the first row in view, or -1 when no row is rendered. */
function topRowIndex(view: ProblemsView): number {
  return view.rows.length === 0 ? -1 : Math.min(...view.rows.map((row) => row.index));
}

/** Index of the last row in view, or -1 when no row is rendered. */
function bottomRowIndex(view: ProblemsView): number {
  return view.rows.length === 0 ? -1 : Math.max(...view.rows.map((row) => row.index));
}

async function readProblemsRows(list: Locator): Promise<ProblemsView> {
  return list.evaluate((element) => {
    const rows: ProblemsRow[] = [];
    for (const row of element.querySelectorAll('.monaco-list-row')) {
      const index = Number(row.getAttribute('data-index'));
      const icon = row.querySelector('.marker-icon');
      if (icon === null) {
        // A file row: "<n> problems in file <name> of folder <folder>".
        const match = /in file (.+?)(?: of folder (.*))?$/.exec(row.getAttribute('aria-label') ?? '');
        rows.push({ index, kind: 'file', file: match?.[1] ?? '', folder: match?.[2] ?? '' });
        continue;
      }
      const severity = (['error', 'warning', 'info'] as const).find((name) => icon.classList.contains(name)) ?? 'info';
      const lineMatch = /Ln (\d+)/.exec(row.querySelector('.marker-line')?.textContent ?? '');
      rows.push({
        index,
        kind: 'marker',
        severity,
        message: (row.querySelector('.marker-message')?.textContent ?? '').trim(),
        source: (row.querySelector('.marker-source')?.textContent ?? '').trim(),
        line: lineMatch ? Number(lineMatch[1]) : undefined,
      });
    }
    // Every row has the same height, and the rows container is as tall as all rows together.
    const container = element.querySelector('.monaco-list-rows') as unknown as { style: { height: string } } | null;
    const firstRow = element.querySelector('.monaco-list-row') as unknown as { style: { height: string } } | null;
    const rowHeight = firstRow === null ? 0 : parseFloat(firstRow.style.height);
    const totalRows = container === null || !(rowHeight > 0) ? rows.length : Math.round(parseFloat(container.style.height) / rowHeight);
    return { rows, totalRows, visibleHeight: element.getBoundingClientRect().height };
  });
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

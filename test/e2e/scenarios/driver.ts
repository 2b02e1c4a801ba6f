/**
 * What an end-to-end scenario does to VS Code, independent of how: the
 * code-server runner drives the workbench's DOM with Playwright
 * (PlaywrightDriver), and the @vscode/test-electron runner calls the extension
 * API from inside VS Code (ApiDriver). Scenarios use only this interface, so
 * the same scenario runs in both.
 */

/** A command as the manifest contributes it. */
export interface CommandRef {
  id: string;
  /** Title as the command palette shows it, with the category: "Category: Title". */
  title: string;
  /** Label in the Explorer context menu, which shows the title without the category. */
  menuLabel?: string;
}

export interface DiagnosticInfo {
  severity: 'error' | 'warning' | 'info';
  message: string;
  source: string;
  /** 1-based line, when known. */
  line: number | undefined;
}

/**
 * Checks that a driver cannot make. The extension API cannot read a webview's
 * DOM or the notifications on screen. It cannot pick an item in a quick pick
 * or press a button of a modal dialog either. Scenarios skip those steps where
 * the flag is false.
 */
export interface DriverCapabilities {
  readWebview: boolean;
  readNotifications: boolean;
  answerQuickPick: boolean;
  answerDialog: boolean;
}

export interface ScenarioDriver {
  /** Runner name for messages: "code-server" or "electron". */
  readonly name: string;
  readonly capabilities: DriverCapabilities;

  /** Runs a command as the command palette does. Resolves once the command started, not when it finished. */
  runCommand(command: CommandRef): Promise<void>;
  /** Opens a workspace file (path relative to the workspace folder, with "/") in the active editor group. */
  openFile(relativePath: string): Promise<void>;
  /** Closes every editor and webview panel, and resolves once they are closed. */
  closeAllEditors(): Promise<void>;
  /** Runs `command` on a workspace file as its Explorer context-menu entry does. */
  invokeExplorerMenu(relativePath: string, command: CommandRef): Promise<void>;
  /** Opens a workspace file and runs `command` as its entry in the editor's title bar does. */
  invokeEditorTitleAction(relativePath: string, command: CommandRef): Promise<void>;
  /** Waits for a code lens whose title matches `title` in the file and returns the title. */
  waitForCodeLens(relativePath: string, title: string | RegExp): Promise<string>;
  /** Opens the file and returns the titles of its code lenses (where the editor renders them: the ones in view). */
  codeLensTitles(relativePath: string): Promise<string[]>;
  /** Runs the command of the file's code lens whose title matches `title`, as clicking the lens does. */
  clickCodeLens(relativePath: string, title: string | RegExp): Promise<void>;
  /** Waits for a diagnostic of the file whose message matches `message` and returns it. */
  waitForDiagnostic(relativePath: string, message: string | RegExp): Promise<DiagnosticInfo>;
  /** Waits until the file has no diagnostic whose message matches `message`. */
  waitForDiagnosticGone(relativePath: string, message: string | RegExp): Promise<void>;
  /** Returns the diagnostics that the file has now. */
  diagnostics(relativePath: string): Promise<DiagnosticInfo[]>;
  /** Waits until the element `selector` of the visible webview contains `text`; needs capabilities.readWebview. */
  waitForWebviewText(selector: string, text: string | RegExp): Promise<string>;
  /** Waits until the visible webview has an element matching `selector` and returns the text of each; needs capabilities.readWebview. */
  webviewTexts(selector: string): Promise<string[]>;
  /** Scrolls the visible webview until the element `selector` is in view, for a screenshot; needs capabilities.readWebview. */
  scrollWebviewTo(selector: string): Promise<void>;
  /** Waits for a notification whose message matches `text`; needs capabilities.readNotifications. */
  waitForNotification(text: string | RegExp): Promise<string>;
  /** Picks `label` in the open quick pick; needs capabilities.answerQuickPick. */
  answerQuickPick(label: string): Promise<void>;
  /** Types `text` into the open input box and presses Enter; needs capabilities.answerQuickPick. */
  answerInputBox(text: string): Promise<void>;
  /** Waits for a modal dialog and returns its text; needs capabilities.answerDialog. */
  waitForDialog(): Promise<string>;
  /** Presses the button `buttonLabel` of the open modal dialog; needs capabilities.answerDialog. */
  answerDialog(buttonLabel: string): Promise<void>;
  /** Saves a screenshot named `name` where the runner keeps artefacts; does nothing where screenshots are not possible. */
  screenshot(name: string): Promise<void>;
}

/** A named end-to-end scenario that runs against any driver. */
export interface Scenario {
  name: string;
  run(driver: ScenarioDriver): Promise<void>;
}

/** Tests `value` against a string (substring) or a RegExp. */
export function matchesText(value: string, pattern: string | RegExp): boolean {
  return typeof pattern === 'string' ? value.includes(pattern) : pattern.test(value);
}

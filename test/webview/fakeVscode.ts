/**
 * A stand-in for the parts of the `vscode` module that SpectrumPanel uses, so the
 * panel's logic runs under mocha. The real module exists only inside the VS Code
 * extension host. Every call that matters is recorded for the tests to check.
 */
import Module from 'node:module';
import * as path from 'node:path';

export class FakeUri {
  readonly scheme = 'file';
  private constructor(readonly path: string) {}

  static file(filePath: string): FakeUri {
    return new FakeUri(path.posix.normalize(filePath));
  }

  static joinPath(base: FakeUri, ...segments: string[]): FakeUri {
    return new FakeUri(path.posix.join(base.path, ...segments));
  }

  get fsPath(): string {
    return this.path;
  }

  toString(): string {
    return `file://${this.path}`;
  }
}

type Listener<T> = (value: T) => void;

export class FakeEventEmitter<T> {
  private listeners: Array<Listener<T>> = [];

  readonly event = (listener: Listener<T>) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((entry) => entry !== listener)) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      listener(value);
    }
  }

  dispose(): void {
    this.listeners = [];
  }
}

export class FakePosition {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

export class FakeRange {
  constructor(
    readonly start: FakePosition,
    readonly end: FakePosition,
  ) {}
}

export class FakeWebview {
  html = '';
  readonly cspSource = 'https://webview.test';
  readonly posted: unknown[] = [];
  readonly receive = new FakeEventEmitter<unknown>();
  readonly onDidReceiveMessage = this.receive.event;

  asWebviewUri(uri: FakeUri): string {
    return `https://webview.test${uri.path}`;
  }

  postMessage(message: unknown): Promise<boolean> {
    this.posted.push(message);
    return Promise.resolve(true);
  }
}

export class FakeWebviewPanel {
  readonly webview = new FakeWebview();
  readonly disposeEmitter = new FakeEventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;
  revealCount = 0;
  disposed = false;

  constructor(
    readonly viewType: string,
    readonly title: string,
    readonly options: { localResourceRoots?: FakeUri[]; enableScripts?: boolean },
    /** The column the panel was created with: a number, or ViewColumn.Beside (−2). */
    readonly requestedColumn: number,
  ) {}

  /** The column it shows in: Beside opens next to an editor in column 1, as in a fresh window. */
  get viewColumn(): number {
    return this.requestedColumn === -2 ? 2 : this.requestedColumn;
  }

  reveal(): void {
    this.revealCount++;
  }

  /** Closes the panel as the user would; VS Code fires onDidDispose once. */
  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    this.disposeEmitter.fire();
  }
}

export class FakeTextDocument {
  constructor(
    readonly uri: FakeUri,
    private readonly text: string,
  ) {}

  getText(): string {
    return this.text;
  }

  positionAt(offset: number): FakePosition {
    const before = this.text.slice(0, offset).split('\n');
    return new FakePosition(before.length - 1, before[before.length - 1].length);
  }
}

/** Calls that the fake recorded and return values it uses, cleared by `resetFakeVscode`. */
export const fakeState = {
  panels: [] as FakeWebviewPanel[],
  saveDialogAnswer: undefined as FakeUri | undefined,
  saveDialogOptions: [] as Array<{ defaultUri?: FakeUri }>,
  writtenFiles: [] as Array<{ uri: FakeUri; bytes: Uint8Array }>,
  messages: [] as Array<{ level: 'info' | 'warning' | 'error'; text: string }>,
  documents: new Map<string, string>(),
  shownDocuments: [] as Array<{ document: FakeTextDocument; selection?: FakeRange }>,
};

export function resetFakeVscode(): void {
  fakeState.panels.length = 0;
  fakeState.saveDialogAnswer = undefined;
  fakeState.saveDialogOptions.length = 0;
  fakeState.writtenFiles.length = 0;
  fakeState.messages.length = 0;
  fakeState.documents.clear();
  fakeState.shownDocuments.length = 0;
}

const fakeVscode = {
  Uri: FakeUri,
  EventEmitter: FakeEventEmitter,
  Range: FakeRange,
  Position: FakePosition,
  ViewColumn: { Active: -1, Beside: -2, One: 1 },
  window: {
    createWebviewPanel(viewType: string, title: string, column: number, options: FakeWebviewPanel['options']) {
      const panel = new FakeWebviewPanel(viewType, title, options, column);
      fakeState.panels.push(panel);
      return panel;
    },
    async showSaveDialog(options: { defaultUri?: FakeUri }) {
      fakeState.saveDialogOptions.push(options);
      return fakeState.saveDialogAnswer;
    },
    async showInformationMessage(text: string) {
      fakeState.messages.push({ level: 'info', text });
    },
    async showWarningMessage(text: string) {
      fakeState.messages.push({ level: 'warning', text });
    },
    async showErrorMessage(text: string) {
      fakeState.messages.push({ level: 'error', text });
    },
    async showTextDocument(document: FakeTextDocument, options: { selection?: FakeRange }) {
      fakeState.shownDocuments.push({ document, selection: options.selection });
    },
  },
  workspace: {
    fs: {
      async writeFile(uri: FakeUri, bytes: Uint8Array) {
        fakeState.writtenFiles.push({ uri, bytes });
      },
    },
    async openTextDocument(uri: FakeUri) {
      const text = fakeState.documents.get(uri.fsPath);
      if (text === undefined) {
        throw new Error(`ENOENT: no such file ${uri.fsPath}`);
      }
      return new FakeTextDocument(uri, text);
    },
  },
};

const FAKE_ID = 'vscode-fake-for-webview-tests';

type ResolveFilename = (request: string, ...rest: unknown[]) => string;
const moduleInternals = Module as unknown as { _resolveFilename: ResolveFilename; _cache: Record<string, unknown> };
let originalResolve: ResolveFilename | null = null;

/** Makes `require('vscode')` return the fake until `uninstallFakeVscode` runs. */
export function installFakeVscode(): void {
  if (originalResolve) {
    return;
  }
  const resolve = moduleInternals._resolveFilename;
  originalResolve = resolve;
  moduleInternals._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    return request === 'vscode' ? FAKE_ID : resolve.call(this, request, ...rest);
  };
  moduleInternals._cache[FAKE_ID] = { id: FAKE_ID, filename: FAKE_ID, loaded: true, exports: fakeVscode };
}

export function uninstallFakeVscode(): void {
  if (originalResolve) {
    moduleInternals._resolveFilename = originalResolve;
    originalResolve = null;
  }
  delete moduleInternals._cache[FAKE_ID];
}

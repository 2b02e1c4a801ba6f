import * as fs from 'node:fs';
import * as path from 'node:path';
import type { E2eEnvironment } from './environment';
import { freeLoopbackPort, runToCompletion, spawnProcessGroup, stopProcessGroup, waitForHttp, type GroupProcess } from './processes';

/** Folders of one code-server instance, all inside the test's temporary folder. */
export interface CodeServerFolders {
  userDataDir: string;
  extensionsDir: string;
  configFile: string;
  /** HOME, XDG folders and TMPDIR of code-server, which writes logs and a device id there. */
  homeDir: string;
  logFile: string;
}

export interface CodeServerOptions {
  environment: E2eEnvironment;
  /** Temporary folder of the test. code-server's folders, HOME and TMPDIR are made inside it. */
  tempDir: string;
  /** Folder that the workbench opens. */
  workspaceDir: string;
  /** .vsix files installed with --install-extension before the server starts. */
  extensions?: string[];
  /** Milliseconds to wait for the server to respond to HTTP requests. */
  startTimeoutMs?: number;
}

export interface CodeServer {
  readonly port: number;
  /** URL that opens the workspace in the workbench. */
  readonly workspaceUrl: string;
  readonly folders: CodeServerFolders;
  readonly process: GroupProcess;
  stop(): Promise<void>;
}

function foldersIn(tempDir: string): CodeServerFolders {
  const root = path.join(tempDir, 'code-server');
  return {
    userDataDir: path.join(root, 'user-data'),
    extensionsDir: path.join(root, 'extensions'),
    configFile: path.join(root, 'config.yaml'),
    homeDir: path.join(root, 'home'),
    logFile: path.join(root, 'code-server.log'),
  };
}

/**
 * Builds code-server's environment: Node.js 24 first on PATH, HOME and the XDG
 * folders inside the test's folder, and the extension gallery and HTTP(S)
 * proxies pointed at a closed loopback port, so nothing leaves the machine.
 */
function codeServerEnv(environment: E2eEnvironment, folders: CodeServerFolders, closedPort: number): NodeJS.ProcessEnv {
  const closedProxyUrl = `http://127.0.0.1:${closedPort}`;
  const tmpDir = path.join(folders.homeDir, 'tmp');
  fs.mkdirSync(tmpDir, { recursive: true });
  return {
    ...process.env,
    PATH: `${path.dirname(environment.nodeBinary)}${path.delimiter}${process.env.PATH ?? ''}`,
    HOME: folders.homeDir,
    XDG_CONFIG_HOME: path.join(folders.homeDir, '.config'),
    XDG_DATA_HOME: path.join(folders.homeDir, '.local', 'share'),
    XDG_CACHE_HOME: path.join(folders.homeDir, '.cache'),
    // VS Code puts its IPC sockets in TMPDIR. The path stays short because Unix
    // socket paths are limited to 107 bytes.
    TMPDIR: tmpDir,
    EXTENSIONS_GALLERY: JSON.stringify({
      serviceUrl: `${closedProxyUrl}/gallery`,
      itemUrl: `${closedProxyUrl}/items`,
      resourceUrlTemplate: `${closedProxyUrl}/resources/{publisher}/{name}/{version}/{path}`,
    }),
    HTTP_PROXY: closedProxyUrl,
    HTTPS_PROXY: closedProxyUrl,
    http_proxy: closedProxyUrl,
    https_proxy: closedProxyUrl,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    // A test may run code-server from inside an extension test run or a VS Code terminal.
    VSCODE_IPC_HOOK_CLI: '',
  };
}

function commonArgs(folders: CodeServerFolders): string[] {
  return ['--user-data-dir', folders.userDataDir, '--extensions-dir', folders.extensionsDir, '--config', folders.configFile];
}

/**
 * Installs the .vsix files, then starts code-server on a free 127.0.0.1 port
 * and waits until its /healthz endpoint responds.
 */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const { environment, tempDir, workspaceDir } = options;
  const folders = foldersIn(tempDir);
  for (const folder of [folders.userDataDir, folders.extensionsDir, folders.homeDir]) {
    fs.mkdirSync(folder, { recursive: true });
  }
  // The config file only stops code-server from writing a default one with a password.
  fs.writeFileSync(folders.configFile, 'auth: none\ncert: false\n');

  const closedPort = await freeLoopbackPort();
  const env = codeServerEnv(environment, folders, closedPort);

  for (const vsix of options.extensions ?? []) {
    const output = await runToCompletion(
      environment.nodeBinary,
      [environment.codeServerEntry, ...commonArgs(folders), '--force', '--install-extension', vsix],
      { env, cwd: tempDir, timeoutMs: 120_000 },
    );
    fs.appendFileSync(folders.logFile, output);
    if (!/was successfully installed/.test(output)) {
      throw new Error(`code-server did not report ${vsix} as installed:\n${output}`);
    }
  }

  const port = await freeLoopbackPort();
  const serverProcess = spawnProcessGroup(
    environment.nodeBinary,
    [
      environment.codeServerEntry,
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--reconnection-grace-time', '5',
      ...commonArgs(folders),
      workspaceDir,
    ],
    { env, cwd: tempDir, logFile: folders.logFile },
  );

  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${baseUrl}/healthz`, serverProcess.pid, options.startTimeoutMs ?? 60_000);
  } catch (error) {
    await stopProcessGroup(serverProcess.pid);
    throw new Error(`code-server failed to start: ${String(error)}\nLog (${folders.logFile}):\n${readTail(folders.logFile)}`);
  }

  return {
    port,
    workspaceUrl: `${baseUrl}/?folder=${encodeURIComponent(workspaceDir)}`,
    folders,
    process: serverProcess,
    stop: () => stopProcessGroup(serverProcess.pid),
  };
}

/** Returns the last `maxChars` characters of a text file, or a note when it is missing. */
export function readTail(file: string, maxChars = 4000): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-maxChars);
  } catch {
    return `(no log at ${file})`;
  }
}

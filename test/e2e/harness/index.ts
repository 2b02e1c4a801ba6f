/**
 * End-to-end harness: a real VS Code (code-server) driven by Playwright in
 * Debian's Chromium. scripts/install-e2e.sh installs what it needs; see
 * test/e2e/README.md.
 */
export { launchBrowser, CHROMIUM_FLAGS, type Browser } from './browser';
export { createTempDir, removeTempDir } from './cleanup';
export { startCodeServer, type CodeServer, type CodeServerOptions } from './codeServer';
export { findE2eEnvironment, CODE_SERVER_VERSION, REPO_ROOT, RESULTS_DIR, type E2eEnvironment, type EnvironmentLookup } from './environment';
export { PlaywrightDriver } from './playwrightDriver';
export { stopProcessGroup } from './processes';
export { DEFAULT_SETTINGS, E2eSession, type SessionOptions } from './session';
export { packageExtension, packageProjectExtension, type PackageOptions, type ProjectPackageOptions } from './vsix';
export { Workbench, type Problem, type WorkbenchOptions } from './workbench';

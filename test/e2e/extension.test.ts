import { createTempDir, E2eSession, findE2eEnvironment, packageProjectExtension, PlaywrightDriver, removeTempDir } from './harness';
import { extensionScenarios } from './scenarios/extensionScenarios';
import { writeExtensionWorkspace, type ExtensionWorkspace } from './scenarios/extensionWorkspace';

/**
 * webpack mode of the packaged extension: HESSIAN_E2E_BUNDLE_MODE, default
 * `production`, which is what `npm run package` ships. `development` builds
 * in about a tenth of the time, for runs while developing.
 */
const BUNDLE_MODE = process.env.HESSIAN_E2E_BUNDLE_MODE === 'development' ? 'development' : 'production';

/**
 * Milliseconds each workbench helper waits. The longest waits are for a code
 * lens or diagnostic at the end of an analysis, which takes up to about 20 s
 * on a loaded two-core machine with the workspace's small settings.
 */
const WORKBENCH_TIMEOUT_MS = 90_000;

/**
 * The Hessian Spectrum extension in a real VS Code: packages the repository's
 * extension into a .vsix, installs it into code-server, opens a workspace of
 * real models and data, and runs the scenarios of
 * scenarios/extensionScenarios.ts in Chromium. Screenshots of each key state
 * go to test-results/e2e/. Skipped when scripts/install-e2e.sh has not run,
 * unless HESSIAN_E2E_REQUIRED=1 (set it in CI, where a skip would hide a
 * broken install).
 */
describe('Hessian Spectrum extension in code-server', function () {
  // Packaging takes most of this: about 90 s for a production build on a loaded two-core machine.
  this.timeout(300_000);

  let session: E2eSession | undefined;
  let driver: PlaywrightDriver;
  let workspace: ExtensionWorkspace | undefined;

  before(async function () {
    const lookup = findE2eEnvironment();
    if (!lookup.ok) {
      if (process.env.HESSIAN_E2E_REQUIRED === '1') {
        throw new Error(`HESSIAN_E2E_REQUIRED=1 but the e2e environment is missing: ${lookup.reason}`);
      }
      console.log(`    e2e tests skipped: ${lookup.reason}`);
      this.skip();
    }

    const tempDir = createTempDir('extension');
    let vsix: string;
    try {
      const packaged = await packageProjectExtension({ tempDir, mode: BUNDLE_MODE });
      vsix = packaged.vsix;
      console.log(`    e2e: packaged the extension (${BUNDLE_MODE} bundles) in ${packaged.seconds.toFixed(1)} s`);
    } catch (error) {
      removeTempDir(tempDir);
      throw error;
    }

    const startedAt = Date.now();
    session = await E2eSession.start({
      environment: lookup.environment,
      tempDir,
      name: 'extension',
      vsixFiles: [vsix],
      prepareWorkspace: (workspaceDir) => {
        workspace = writeExtensionWorkspace(workspaceDir);
      },
      timeoutMs: WORKBENCH_TIMEOUT_MS,
    });
    driver = new PlaywrightDriver(session.workbench);
    console.log(`    e2e: installed the extension and opened the workbench in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && session !== undefined) {
      const saved = await session.saveFailureArtifacts(this.currentTest.title);
      console.log(`    e2e failure artefacts: ${saved.join(', ')}`);
    }
  });

  after(async function () {
    await session?.close();
  });

  const scenarios = extensionScenarios(() => {
    if (workspace === undefined) {
      throw new Error('The workspace was not written: the before hook failed');
    }
    return workspace;
  });
  for (const scenario of scenarios) {
    it(scenario.name, async function () {
      await scenario.run(driver);
    });
  }
});

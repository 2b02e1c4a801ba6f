import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';

import type { CommandRef, Scenario, ScenarioDriver } from './driver';
import { ABALONE_SEX_ORDER, ANALYSIS_SETTINGS, LENET_LOSS, SCRIPT_LEARNING_RATE, WORKSPACE_FILES, type ExtensionWorkspace } from './extensionWorkspace';

/**
 * Scenarios of the Hessian Spectrum extension in a real VS Code, in the
 * workspace that writeExtensionWorkspace makes. They run in this order in one
 * window and share it, so each one names its files by folder (two LeNet
 * models are both called mnist.json).
 */

const ANALYZE: CommandRef = { id: 'hessianSpectrum.analyzeModel', title: 'Hessian Spectrum: Analyze Model', menuLabel: 'Analyze Model' };

/** Milliseconds that a scenario waits for a file that the extension writes. */
const FILE_TIMEOUT_MS = 30_000;

/** Summary lens at the top of an analysed model file: "λmax 2.14 · λmin −1.56 · trace … · negative mass …". */
const SUMMARY_LENS = /^λmax \S+ · λmin \S+ · trace /;

const NEGATIVE_CURVATURE = /^Negative curvature in the model: /;

/**
 * Reads a number as the extension formats it: lens titles and diagnostics
 * write a minus as U+2212 and may use exponent notation.
 */
export function parseFormattedNumber(text: string): number {
  const value = Number(text.replace(/\u2212/g, '-'));
  assert.ok(Number.isFinite(value), `"${text}" is not a number`);
  return value;
}

/** Reads one captured number out of `text`; fails with the text when the pattern does not match. */
function numberIn(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  assert.ok(match !== null, `${pattern} does not match "${text}"`);
  return parseFormattedNumber(match[1]);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Waits until `read` returns a value other than undefined; for files that the extension writes. */
async function waitForFile<T>(description: string, read: () => T | undefined): Promise<T> {
  const deadline = Date.now() + FILE_TIMEOUT_MS;
  for (;;) {
    const value = read();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${FILE_TIMEOUT_MS} ms waiting for ${description}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Checks the spectrum webview of a finished analysis: the density plot is an
 * SVG with at least one trace, and the λmax figure contains a number, which is
 * returned. The webview shows four significant digits.
 */
async function checkSpectrumWebview(driver: ScenarioDriver, modelRelativePath: string): Promise<number> {
  const modelPath = await driver.waitForWebviewText('#model-path', modelRelativePath);
  assert.ok(modelPath.endsWith(modelRelativePath), `the webview shows ${modelPath}, expected a path ending in ${modelRelativePath}`);
  await driver.waitForWebviewText('#status .status-line', /^Finished /);
  const traces = await driver.webviewTexts('#density-plot svg.main-svg .scatterlayer .trace');
  assert.ok(traces.length >= 1, 'the density plot has no trace');
  const [lambdaMaxText] = await driver.webviewTexts('[data-figure="lambda-max"] .figure-value');
  return parseFormattedNumber(lambdaMaxText);
}

/** Asserts that the λmax of the webview (four significant digits) and of the lens (three) agree. */
function assertSameLambdaMax(fromWebview: number, fromLens: number): void {
  assert.ok(Math.abs(fromWebview - fromLens) <= 0.006 * Math.abs(fromWebview), `λmax ${fromWebview} in the webview, ${fromLens} in the code lens`);
}

/**
 * Returns the scenario that right-clicks the untrained LeNet, which has no
 * dataset linked. It checks the dataset-link dialog and the sidecar, which
 * appears only once the link is confirmed. Then it checks the progress
 * notification, the webview, the summary lens and the diagnostics of an
 * untrained model (negative curvature, chance accuracy).
 */
function untrainedLeNetWithDatasetDialog(workspace: () => ExtensionWorkspace): Scenario {
  const model = WORKSPACE_FILES.untrainedModel;
  const expectedLink = { data: '../data/x.npy', labels: '../data/y.npy', loss: LENET_LOSS };
  return {
    name: 'untrained LeNet: link dialog, analysis',
    async run(driver) {
      const sidecar = workspace().file(WORKSPACE_FILES.untrainedSidecar);
      // No editor from an earlier scenario stays open, so that the screenshots show this scenario's editors.
      await driver.closeAllEditors();
      assert.equal(fs.existsSync(sidecar), false, 'the untrained LeNet has a sidecar before the dialog ran');
      const dialogPossible = driver.capabilities.answerQuickPick && driver.capabilities.answerDialog;
      if (!dialogPossible) {
        // The extension API cannot press the dialog's buttons, so the scenario writes the sidecar that the dialog would write.
        fs.writeFileSync(sidecar, JSON.stringify(expectedLink, null, 2));
      }

      await driver.invokeExplorerMenu(model, ANALYZE);
      if (dialogPossible) {
        await driver.answerQuickPick('x.npy');
        await driver.answerQuickPick('y.npy');
        await driver.answerQuickPick(LENET_LOSS);
        const question = await driver.waitForDialog();
        for (const part of ['data x.npy', 'labels y.npy', `loss ${LENET_LOSS}`, 'mnist.hessian.json']) {
          assert.ok(question.includes(part), `the confirmation "${question}" does not mention ${part}`);
        }
        await driver.screenshot('untrained-link-confirmation');
        assert.equal(fs.existsSync(sidecar), false, 'the sidecar was written before the link was confirmed');
        await driver.answerDialog('Link');
        const written = await waitForFile('the sidecar of the untrained LeNet', () => (fs.existsSync(sidecar) ? fs.readFileSync(sidecar, 'utf8') : undefined));
        assert.deepEqual(JSON.parse(written), expectedLink);
      }

      if (driver.capabilities.readNotifications) {
        const progress = await driver.waitForNotification(/^Hessian spectrum of mnist\.json: /);
        assert.match(progress, /^Hessian spectrum of mnist\.json: (Loading|Verifying|Extreme eigenvalues|Trace|Spectral density|Per-layer|Loss along)/);
        await driver.screenshot('untrained-progress');
      }

      let webviewLambdaMax: number | null = null;
      if (driver.capabilities.readWebview) {
        webviewLambdaMax = await checkSpectrumWebview(driver, model);
        await driver.scrollWebviewTo('#density-section');
        await driver.screenshot('untrained-webview');
      }

      const summary = await driver.waitForCodeLens(model, SUMMARY_LENS);
      const lensLambdaMax = numberIn(summary, /^λmax (\S+) /);
      const lambdaMin = numberIn(summary, / λmin (\S+) /);
      assert.ok(lambdaMin < 0, `λmin of the untrained LeNet is ${lambdaMin}, expected a negative value`);
      if (webviewLambdaMax !== null) {
        assertSameLambdaMax(webviewLambdaMax, lensLambdaMax);
      }
      await driver.screenshot('untrained-lens');

      const negative = await driver.waitForDiagnostic(model, NEGATIVE_CURVATURE);
      assert.equal(negative.severity, 'warning');
      assert.equal(negative.line, 1);
      const chance = await driver.waitForDiagnostic(model, /^Accuracy at chance level: /);
      assert.equal(chance.severity, 'warning');
      assert.match(chance.message, /where guessing gives 10\.0%/);
      await driver.screenshot('untrained-problems');
    },
  };
}

/**
 * Returns the scenario that analyses the repository's shipped example (the
 * trained LeNet, whose sidecar links the MNIST sample) from the editor's title
 * bar: no dialog, a webview, a summary lens, and no negative-curvature
 * warning. The workspace's sharp-minimum threshold is below its λmax, so a
 * sharp-minimum diagnostic shows that the model's diagnostics were published
 * before their absence is checked.
 */
function shippedExampleFromEditorTitle(): Scenario {
  const model = WORKSPACE_FILES.exampleModel;
  return {
    name: 'shipped example: editor title analysis',
    async run(driver) {
      // No editor from an earlier scenario stays open, so that the screenshots show this scenario's editors.
      await driver.closeAllEditors();
      await driver.invokeEditorTitleAction(model, ANALYZE);

      let webviewLambdaMax: number | null = null;
      if (driver.capabilities.readWebview) {
        webviewLambdaMax = await checkSpectrumWebview(driver, model);
        await driver.screenshot('example-webview');
      }

      const summary = await driver.waitForCodeLens(model, SUMMARY_LENS);
      const lensLambdaMax = numberIn(summary, /^λmax (\S+) /);
      if (webviewLambdaMax !== null) {
        assertSameLambdaMax(webviewLambdaMax, lensLambdaMax);
      }
      await driver.screenshot('example-lens');

      const sharp = await driver.waitForDiagnostic(model, /^Sharp minimum: λmax = /);
      assert.equal(sharp.severity, 'info');
      const diagnostics = await driver.diagnostics(model);
      const unexpected = diagnostics.filter((diagnostic) => NEGATIVE_CURVATURE.test(diagnostic.message) || /chance level/.test(diagnostic.message));
      assert.deepEqual(unexpected, [], 'the trained LeNet got a negative-curvature or chance-accuracy diagnostic');
      await driver.screenshot('example-problems');
    },
  };
}

/**
 * Returns the scenario that analyses the Keras 2 LeNet (.h5, whose training
 * configuration records the loss) from the Explorer. The webview's per-layer
 * table lists the Keras layer names. The training script gets code lenses at
 * those layers and at its learning rate, and a diagnostic at a learning rate
 * above 2/λmax. Once the sharp-minimum threshold is set between the two
 * largest layer λmax values, the sharpest layer's line alone gets a
 * sharp-layer diagnostic.
 */
function kerasModelAndTrainingScript(getWorkspace: () => ExtensionWorkspace): Scenario {
  const model = WORKSPACE_FILES.kerasModel;
  const script = WORKSPACE_FILES.kerasScript;
  return {
    name: 'Keras .h5: layers, script lenses',
    async run(driver) {
      const workspace = getWorkspace();
      const weightedLayers = workspace.kerasLayers.filter((layer) => layer.hasWeights);
      // No editor from an earlier scenario stays open, so that the screenshots show this scenario's editors.
      await driver.closeAllEditors();
      await driver.invokeExplorerMenu(model, ANALYZE);

      if (driver.capabilities.readWebview) {
        await checkSpectrumWebview(driver, model);
        const layerNames = await driver.webviewTexts('#layers-values tbody tr td:first-child');
        assert.deepEqual(
          layerNames,
          weightedLayers.map((layer) => layer.name),
        );
        await driver.scrollWebviewTo('#layers-section');
        await driver.screenshot('keras-webview');
      }

      const negative = await driver.waitForDiagnostic(model, NEGATIVE_CURVATURE);
      assert.equal(negative.severity, 'warning');

      // Layer lenses: "Conv2D_1: λmax 6.91 · trace 19.8 · negative 0.0% (mnist.h5)".
      const layerLambdaMax = new Map<string, number>();
      for (const layer of weightedLayers) {
        const title = await driver.waitForCodeLens(script, new RegExp(`^${escapeRegExp(layer.name)}: λmax \\S+ · .*\\(mnist\\.h5\\)$`));
        layerLambdaMax.set(layer.name, numberIn(title, /: λmax (\S+) /));
      }
      const titles = await driver.codeLensTitles(script);
      for (const layer of workspace.kerasLayers.filter((candidate) => !candidate.hasWeights)) {
        assert.ok(!titles.some((title) => title.startsWith(`${layer.name}:`)), `the weightless layer ${layer.name} got a code lens`);
      }
      const rateLens = await driver.waitForCodeLens(script, /^2\/λmax = \S+ for mnist\.h5 · this learning rate is above it$/);
      await driver.screenshot('keras-script-lenses');

      // 2/λmax from the lens, checked against the script's learning rate, so that the finding really applies.
      const stableLimit = numberIn(rateLens, /^2\/λmax = (\S+) /);
      assert.ok(SCRIPT_LEARNING_RATE > stableLimit, `learning rate ${SCRIPT_LEARNING_RATE} is not above 2/λmax = ${stableLimit}`);
      const rateDiagnostic = await driver.waitForDiagnostic(script, /is above 2\/learning rate = /);
      assert.equal(rateDiagnostic.severity, 'warning');
      assert.equal(rateDiagnostic.line, workspace.learningRateLine);
      assert.match(rateDiagnostic.message, new RegExp(`learning rate ${String(SCRIPT_LEARNING_RATE)} from this line`));
      const lambdaMax = numberIn(rateDiagnostic.message, /^λmax = (\S+) is above/);
      assert.ok(Math.abs(2 / lambdaMax - stableLimit) <= 0.01 * stableLimit, `the diagnostic's λmax ${lambdaMax} does not give the lens's 2/λmax ${stableLimit}`);

      // A threshold between the two largest layer λmax values flags exactly the sharpest layer.
      const ranked = [...layerLambdaMax.entries()].sort((a, b) => b[1] - a[1]);
      assert.ok(ranked[0][1] > ranked[1][1], `the two sharpest layers have the same λmax ${ranked[0][1]}`);
      const threshold = (ranked[0][1] + ranked[1][1]) / 2;
      const settingsFile = workspace.file(WORKSPACE_FILES.settings);
      fs.writeFileSync(settingsFile, JSON.stringify({ ...ANALYSIS_SETTINGS, 'hessianSpectrum.diagnostics.sharpMinimumThreshold': threshold }, null, 2));
      try {
        const sharpest = workspace.kerasLayers.find((layer) => layer.name === ranked[0][0]);
        assert.ok(sharpest !== undefined);
        const sharp = await driver.waitForDiagnostic(script, new RegExp(`^Sharp layer ${escapeRegExp(sharpest.name)}: `));
        assert.equal(sharp.severity, 'info');
        assert.equal(sharp.line, sharpest.scriptLine);
        const sharpLayers = (await driver.diagnostics(script)).filter((diagnostic) => diagnostic.message.startsWith('Sharp layer '));
        assert.deepEqual(
          sharpLayers.map((diagnostic) => diagnostic.line),
          [sharpest.scriptLine],
        );
        await driver.screenshot('keras-script-problems');
      } finally {
        fs.writeFileSync(settingsFile, JSON.stringify(ANALYSIS_SETTINGS, null, 2));
      }
    },
  };
}

/**
 * Returns the scenario of a model.json cut off in the middle, as an
 * interrupted export leaves it. The file is not listed as a model, but Analyze
 * Model offers it while it is open in the editor. The analysis fails with an
 * error diagnostic on the file that names the fix. Writing the complete file
 * back and clicking the "Analyze again" lens then gives a report, which shows
 * that the server kept running, and the failure diagnostic goes away.
 */
function damagedModelJson(getWorkspace: () => ExtensionWorkspace): Scenario {
  const model = WORKSPACE_FILES.damagedModel;
  return {
    name: 'damaged model.json: failure, recovery',
    async run(driver) {
      const workspace = getWorkspace();
      // No editor from an earlier scenario stays open, so that the screenshots show this scenario's editors.
      await driver.closeAllEditors();
      if (driver.capabilities.answerQuickPick) {
        await driver.openFile(model);
        await driver.runCommand(ANALYZE);
        await driver.answerQuickPick(model);
      } else {
        // The extension API runs the command on the file, which is what picking it in the quick pick does.
        await driver.invokeExplorerMenu(model, ANALYZE);
      }

      const failure = await driver.waitForDiagnostic(model, /^The Hessian analysis failed: /);
      assert.equal(failure.severity, 'error');
      assert.equal(failure.line, 1);
      assert.match(failure.message, /The file is not valid JSON: .* at line 1, column \d+\./);
      assert.match(failure.message, /Repair the file or export the model again\.$/);
      if (driver.capabilities.readNotifications) {
        await driver.waitForNotification(/^Hessian analysis of model\.json failed: /);
      }
      await driver.waitForCodeLens(model, 'Hessian spectrum: analysis failed (see Problems)');
      await driver.screenshot('damaged-failure');

      fs.writeFileSync(workspace.file(model), workspace.damagedModelText);
      await driver.clickCodeLens(model, /^Analyze again$/);
      const summary = await driver.waitForCodeLens(model, SUMMARY_LENS);
      assert.ok(numberIn(summary, /^λmax (\S+) /) > 0, `the repaired model's summary lens is "${summary}"`);
      await driver.waitForDiagnosticGone(model, /^The Hessian analysis failed: /);
      await driver.screenshot('damaged-repaired');
    },
  };
}

/**
 * Returns the scenario that links the abalone MLP to its CSV file, where the
 * dialog requests the order of the text column sex. The typed order goes into the
 * sidecar and into the report, whose webview lists it, and the model gets its
 * summary lens.
 */
function abaloneTextColumns(workspace: () => ExtensionWorkspace): Scenario {
  const model = WORKSPACE_FILES.abaloneModel;
  const expectedLink = { data: 'abalone.csv', labelColumn: 'rings', categories: { sex: ABALONE_SEX_ORDER }, loss: 'mean_squared_error' };
  return {
    name: 'abalone CSV: text-column order',
    async run(driver) {
      const sidecar = workspace().file(WORKSPACE_FILES.abaloneSidecar);
      // No editor from an earlier scenario stays open, so that the screenshots show this scenario's editors.
      await driver.closeAllEditors();
      const dialogPossible = driver.capabilities.answerQuickPick && driver.capabilities.answerDialog;
      if (!dialogPossible) {
        // The extension API cannot press the dialog's buttons, so the scenario writes the sidecar that the dialog would write.
        fs.writeFileSync(sidecar, JSON.stringify(expectedLink, null, 2));
      }

      await driver.invokeExplorerMenu(model, ANALYZE);
      if (dialogPossible) {
        await driver.answerQuickPick('abalone.csv');
        await driver.answerQuickPick('rings');
        await driver.answerQuickPick('Type the order…');
        await driver.answerInputBox(ABALONE_SEX_ORDER.join(', '));
        await driver.answerQuickPick('mean_squared_error');
        const question = await driver.waitForDialog();
        assert.ok(question.includes('column "sex" as F=0 M=1 I=2'), `the confirmation "${question}" does not give the order`);
        await driver.screenshot('abalone-link-confirmation');
        await driver.answerDialog('Link');
        const written = await waitForFile('the sidecar of the abalone model', () => (fs.existsSync(sidecar) ? fs.readFileSync(sidecar, 'utf8') : undefined));
        assert.deepEqual(JSON.parse(written), expectedLink);
      }

      if (driver.capabilities.readWebview) {
        await checkSpectrumWebview(driver, model);
        const terms = await driver.webviewTexts('#details dt');
        const descriptions = await driver.webviewTexts('#details dd');
        assert.equal(descriptions[terms.indexOf('Column sex')], 'F → 0, M → 1, I → 2');
        await driver.scrollWebviewTo('#details');
        await driver.screenshot('abalone-webview');
      }
      const summary = await driver.waitForCodeLens(model, SUMMARY_LENS);
      assert.ok(numberIn(summary, /^λmax (\S+) /) > 0, `the abalone summary lens is "${summary}"`);
    },
  };
}

/**
 * Returns every scenario, in the order the runners run them in one window.
 * `workspace` returns the layout of the open workspace once the runner has
 * made it, which is after the scenarios are listed.
 */
export function extensionScenarios(workspace: () => ExtensionWorkspace): Scenario[] {
  return [
    untrainedLeNetWithDatasetDialog(workspace),
    shippedExampleFromEditorTitle(),
    kerasModelAndTrainingScript(workspace),
    damagedModelJson(workspace),
    abaloneTextColumns(workspace),
  ];
}

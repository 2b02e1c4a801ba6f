/**
 * Installs the fixes step by step on a stock TensorFlow.js (see fixSteps.ts)
 * and prints, as one JSON line, each step's cases before and after it and
 * the self-test before the first step and after the last. It runs in a
 * process of its own because the fixes cannot be uninstalled.
 *
 * Usage: node --import tsx test/engine/tfjs/fixSteps.child.ts cpu|wasm
 */
import { selectBackend } from '../../../src/engine/tfjs/backend';
import { runSelfTest, type SelfTestResult } from '../../../src/engine/tfjs/selfTest';
import { fixSteps } from './fixSteps';
import { checkLayerCase, type CaseVerdict } from './layerCheck';
import { LAYER_CASES } from './layerCases';

export interface StepReport {
  step: string;
  before: CaseVerdict[];
  after: CaseVerdict[];
}

export interface FixStepsReport {
  backend: string;
  selfTestBefore: SelfTestResult;
  selfTestAfter: SelfTestResult;
  steps: StepReport[];
}

async function main(): Promise<void> {
  const backend = process.argv[2];
  if (backend !== 'cpu' && backend !== 'wasm') {
    throw new Error(`Expected the backend cpu or wasm as the argument, got ${backend}.`);
  }
  await selectBackend(backend);

  const check = async (names: string[]): Promise<CaseVerdict[]> => {
    const verdicts = [];
    for (const name of names) {
      const layerCase = LAYER_CASES.find((candidate) => candidate.name === name);
      if (layerCase === undefined) {
        throw new Error(`No layer case is named ${name}.`);
      }
      verdicts.push(await checkLayerCase(layerCase));
    }
    return verdicts;
  };

  const selfTestBefore = runSelfTest();
  const steps: StepReport[] = [];
  for (const step of fixSteps(backend)) {
    const before = await check(step.cases);
    step.install();
    const after = await check(step.cases);
    steps.push({ step: step.name, before, after });
  }
  const report: FixStepsReport = { backend, selfTestBefore, selfTestAfter: runSelfTest(), steps };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

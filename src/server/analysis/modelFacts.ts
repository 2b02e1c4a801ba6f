import { readSidecar } from '../../engine/data/sidecar';
import { loadModel } from '../../engine/models/loadModel';
import { selectBackend } from '../../engine/tfjs/backend';
import type { ModelFacts } from './workerMessages';

/**
 * Loads a model (in a worker thread) and reads its format and the loss its
 * training configuration records for the analysed output: the output the
 * sidecar names, else the last one, as the engine picks it.
 */
export async function describeModelFacts(modelPath: string): Promise<ModelFacts> {
  // Building the layers needs an initialized backend; the pure-JavaScript one
  // starts at once and is enough, since nothing is computed.
  await selectBackend('cpu');
  const loaded = await loadModel(modelPath);
  try {
    const sidecar = await readSidecar(modelPath).catch(() => null);
    const outputNames = loaded.model.outputNames;
    const outputIndex = sidecar?.output ?? outputNames.length - 1;
    const outputName = outputNames[outputIndex];
    const loss = loaded.training.loss ?? (outputName === undefined ? null : (loaded.training.lossByOutput?.[outputName] ?? null));
    return { format: loaded.format, loss };
  } finally {
    loaded.model.dispose();
  }
}

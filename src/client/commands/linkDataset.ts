import type { HessianContext } from '../context';
import { runLinkDatasetDialog } from '../datasetLink/linkDatasetDialog';
import { pickModel } from './pickModel';

/** Links a dataset (and a loss, where the model records none) to a model through its sidecar. */
export async function linkDataset(context: HessianContext, argument?: unknown): Promise<void> {
  const modelPath = await pickModel(context, argument, 'Link a dataset to');
  if (modelPath !== null) {
    await runLinkDatasetDialog(context, modelPath, null);
  }
}

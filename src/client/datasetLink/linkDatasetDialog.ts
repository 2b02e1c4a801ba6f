import * as path from 'node:path';

import * as vscode from 'vscode';

import type { LossName } from '../../engine/report';
import {
  DescribeDataFileRequest,
  DescribeModelRequest,
  DescribeTextColumnsRequest,
  LinkDatasetRequest,
  ListDataFilesRequest,
  type DataFileDescription,
  type DatasetLink,
  type ModelDescription,
} from '../../protocol';
import type { HessianContext } from '../context';
import { displayPath } from '../paths';
import {
  LOSS_DESCRIPTIONS,
  MAX_CATEGORIES_TO_ORDER,
  arrayKeysToAsk,
  categoryOrderChoices,
  confirmationText,
  orderLabelColumns,
  orderLabelsFiles,
  parseCategoryOrder,
} from './linkChoices';

/**
 * Asks which data to analyse a model on: a data file of the workspace, then
 * its label column, labels file or array names, then the loss where the model
 * records none. Writes the sidecar only after the user confirms. Returns true
 * when a link was written, false when the user stopped.
 */
export async function runLinkDatasetDialog(context: HessianContext, modelPath: string, reason: string | null): Promise<boolean> {
  const client = context.client;
  const model = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Reading ${path.basename(modelPath)}…` },
    () => client.sendRequest(DescribeModelRequest, { modelPath }),
  );

  const { paths: dataFiles } = await client.sendRequest(ListDataFilesRequest);
  if (dataFiles.length === 0) {
    void vscode.window.showWarningMessage(
      'No data file (.npy, .npz, .csv or .json) was found in the workspace. Add the samples to analyse the model on, then link them.',
    );
    return false;
  }

  const data = await pickFile(dataFiles, model, reason);
  if (data === undefined) {
    return false;
  }
  const description = await client.sendRequest(DescribeDataFileRequest, { path: data });
  const labels = await pickLabels(description, data, dataFiles, model);
  if (labels === undefined) {
    return false;
  }

  const link: DatasetLink = { data, ...labels };
  if (labels.labelColumn !== undefined) {
    const categories = await pickCategories(context, data, labels.labelColumn, model.link?.categories);
    if (categories === undefined) {
      return false;
    }
    if (Object.keys(categories).length > 0) {
      link.categories = categories;
    }
  }
  if (model.loss === null) {
    const loss = await pickLoss(model.link?.loss);
    if (loss === undefined) {
      return false;
    }
    link.loss = loss;
  }

  const confirm = 'Link';
  const choice = await vscode.window.showInformationMessage(confirmationText(modelPath, model.sidecarPath, link), { modal: true }, confirm);
  if (choice !== confirm) {
    return false;
  }
  const { sidecarPath } = await client.sendRequest(LinkDatasetRequest, { modelPath, link });
  context.outputChannel.info(`Linked ${data} to ${modelPath} in ${sidecarPath}.`);
  return true;
}

async function pickFile(dataFiles: string[], model: ModelDescription, reason: string | null): Promise<string | undefined> {
  const current = model.link?.data;
  const items = dataFiles.map((file) => ({
    label: path.basename(file),
    description: displayPath(file),
    detail: file === current ? 'linked now' : undefined,
    file,
  }));
  items.sort((a, b) => Number(b.file === current) - Number(a.file === current));
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Link a dataset: data file',
    placeHolder: reason ?? 'Pick the file that holds the samples (inputs, and labels unless they are in a separate .npy file)',
    matchOnDescription: true,
  });
  return picked?.file;
}

/** Picks the label part of the link for the picked file's kind; returns undefined when the user stopped. */
async function pickLabels(
  description: DataFileDescription,
  data: string,
  dataFiles: string[],
  model: ModelDescription,
): Promise<Omit<DatasetLink, 'data' | 'loss'> | undefined> {
  switch (description.kind) {
    case 'csv':
    case 'json-rows': {
      const labelColumn = await pickOne(orderLabelColumns(description.columns, model.link?.labelColumn), 'Link a dataset: label column', 'Pick the column that holds the labels');
      return labelColumn === undefined ? undefined : { labelColumn };
    }
    case 'npy': {
      const candidates = orderLabelsFiles(dataFiles, data);
      if (candidates.length === 0) {
        void vscode.window.showWarningMessage(`${path.basename(data)} holds only inputs, and the workspace has no other .npy file for the labels.`);
        return undefined;
      }
      const labels = await pickOne(candidates, 'Link a dataset: labels file', `Inputs ${JSON.stringify(description.shape)} ${description.dtype}; pick the .npy file of the labels`, displayPath);
      return labels === undefined ? undefined : { labels };
    }
    case 'npz':
    case 'json-arrays': {
      const arrays = description.kind === 'npz' ? description.arrays : description.keys;
      const toAsk = arrayKeysToAsk(arrays);
      if (toAsk === null) {
        return {};
      }
      const xKey = await pickOne(toAsk, 'Link a dataset: inputs array', 'Pick the array that holds the inputs');
      const yKey = xKey === undefined ? undefined : await pickOne(toAsk.filter((key) => key !== xKey), 'Link a dataset: labels array', 'Pick the array that holds the labels');
      return xKey === undefined || yKey === undefined ? undefined : { xKey, yKey };
    }
  }
}

/**
 * Asks the order of each text column's categories, which decides the number
 * each one becomes: the model gets wrong inputs unless it is the order used in
 * training. Returns {} when the file has no text column to ask about, and
 * undefined when the user stopped.
 */
async function pickCategories(
  context: HessianContext,
  data: string,
  labelColumn: string,
  linked: Record<string, string[]> | undefined,
): Promise<Record<string, string[]> | undefined> {
  const { columns } = await context.client.sendRequest(DescribeTextColumnsRequest, { path: data, labelColumn });
  // Entries, not an object, so that a column named "__proto__" stays a column.
  const chosen: [string, string[]][] = [];

  for (const [column, found] of Object.entries(columns)) {
    if (found.length > MAX_CATEGORIES_TO_ORDER) {
      continue;
    }
    const typeOwn = { label: 'Type the order…', description: 'as in the training code', order: null };
    const choices = [...categoryOrderChoices(found, linked?.[column]), typeOwn];
    const picked = await vscode.window.showQuickPick(choices, {
      title: `Link a dataset: categories of "${column}"`,
      placeHolder: `"${column}" holds text; pick the order that numbered its values 0, 1, … in training`,
    });
    if (picked === undefined) {
      return undefined;
    }
    const order = picked.order ?? (await typeCategoryOrder(column, found));
    if (order === undefined) {
      return undefined;
    }
    chosen.push([column, order]);
  }
  return Object.fromEntries(chosen);
}

async function typeCategoryOrder(column: string, found: string[]): Promise<string[] | undefined> {
  const text = await vscode.window.showInputBox({
    title: `Link a dataset: categories of "${column}"`,
    prompt: 'The values separated by commas, the one numbered 0 first',
    value: found.join(', '),
    validateInput: (value) => {
      const parsed = parseCategoryOrder(value, found);
      return 'message' in parsed ? parsed.message : null;
    },
  });
  if (text === undefined) {
    return undefined;
  }
  const parsed = parseCategoryOrder(text, found);
  return 'order' in parsed ? parsed.order : undefined;
}

async function pickLoss(current: LossName | undefined): Promise<LossName | undefined> {
  const items = (Object.entries(LOSS_DESCRIPTIONS) as [LossName, string][]).map(([loss, description]) => ({
    label: loss,
    description,
    picked: loss === current,
  }));
  items.sort((a, b) => Number(b.picked) - Number(a.picked));
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Link a dataset: loss',
    placeHolder: 'The model file records no loss; pick the one it was trained with',
  });
  return picked?.label;
}

async function pickOne(options: string[], title: string, placeHolder: string, describe?: (option: string) => string): Promise<string | undefined> {
  const picked = await vscode.window.showQuickPick(
    options.map((option) => ({ label: describe === undefined ? option : path.basename(option), description: describe?.(option), option })),
    { title, placeHolder },
  );
  return picked?.option;
}

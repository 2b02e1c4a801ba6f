/**
 * Loads TensorFlow.js layers models (model.json under any name, with its
 * weight shards) from disk with `fs`. It works on the cpu and wasm backends
 * without tfjs-node, which is what registers the `file://` handler that
 * `tf.loadLayersModel('file://…')` needs in TensorFlow.js 4.22.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { InputError } from '../errors';
import { modelBuildError } from './layerRegistry';
import { listOutputNames } from './outputs';
import { normalizeTopology, withZeroInitializers } from './tfjsTopology';
import { parseTrainingConfig } from './trainingConfig';
import { DEFAULT_LOAD_LIMITS, type LoadedModel, type LoadLimits } from './types';
import {
  assertFiniteWeights,
  assertLayersModelJson,
  assertShardSizes,
  assertWeightShape,
  assertWeightSpec,
  checkFileSize,
  formatNameList,
  isPlainObject,
  parseJsonText,
  resolveInsideFolder,
  weightByteLength,
} from './validation';

/**
 * Loads the TensorFlow.js layers model whose model.json is `file`, with every
 * weight from its manifest, and its training config when it has one.
 *
 * Every check of validation.ts runs before the first weight is written: JSON
 * syntax, graph models, manifest paths that leave the model's folder, missing,
 * truncated or oversized shards, dtypes, quantization, weight names and shapes
 * against the built layers, and NaN or infinite values. Each failure is an
 * InputError naming `file`. No tensor or variable is left allocated after a
 * failure.
 */
export async function loadTfjsLayersModel(file: string, limits: LoadLimits = DEFAULT_LOAD_LIMITS): Promise<LoadedModel> {
  const handler = new FileSystemLayersModelHandler(file, limits);
  const artifacts = await handler.load();
  const weightSpecs = artifacts.weightSpecs ?? [];
  const weightData = artifacts.weightData ?? new ArrayBuffer(0);

  const model = await buildLayersModel(file, artifacts.modelTopology as Record<string, unknown>);
  let weightNotes: string[];
  try {
    weightNotes = assignManifestWeights(file, model, weightSpecs, weightData);
  } catch (error) {
    model.dispose();
    throw error;
  }

  const { training, notes: trainingNotes } = parseTrainingConfig(handler.trainingConfig, listOutputNames(model));
  return {
    path: file,
    format: 'tfjs-layers',
    model,
    training,
    files: handler.files,
    notes: [...handler.notes, ...weightNotes, ...trainingNotes],
  };
}

/**
 * A TensorFlow.js IOHandler that reads a layers model.json and its weight
 * shards from disk and validates them. `tf.loadLayersModel(handler)` works
 * with it as with any handler; `loadTfjsLayersModel` uses it too and adds the
 * checks that need the built model (names, shapes, finite values).
 *
 * `load()` returns the topology in the current format, the weight specs of
 * all manifest groups in order and the concatenated shards. It leaves out the
 * training config, which tf.loadLayersModel would compile and reject for a
 * loss TensorFlow.js lacks, and keeps it in `trainingConfig` instead.
 */
export class FileSystemLayersModelHandler implements tf.io.IOHandler {
  /** Files that the last `load()` read: the model file, then the weight shards in manifest order. */
  files: string[] = [];

  /** Facts about the last `load()` worth a line in the report, such as a format conversion. */
  notes: string[] = [];

  /** Training config as the file records it, or null when it records none. */
  trainingConfig: unknown = null;

  constructor(
    readonly modelFile: string,
    readonly limits: LoadLimits = DEFAULT_LOAD_LIMITS,
  ) {}

  async load(): Promise<tf.io.ModelArtifacts> {
    const file = this.modelFile;
    await checkFileSize(file, this.limits);
    const text = await fs.readFile(file, 'utf8');
    const modelJson = assertLayersModelJson(file, parseJsonText(file, text));
    const { topology, notes } = normalizeTopology(file, modelJson.modelTopology);

    const groups = parseWeightGroups(file, modelJson.weightsManifest);
    const { weightData, shardFiles } = await readWeightShards(file, groups, this.limits);

    this.files = [file, ...shardFiles];
    this.notes = notes;
    this.trainingConfig = modelJson.trainingConfig;
    return {
      modelTopology: topology,
      format: 'layers-model',
      weightSpecs: groups.flatMap((group) => group.specs),
      weightData,
    };
  }
}

/**
 * Builds the layers model that `topology` (current format, see
 * `normalizeTopology`) describes, with zero weights. Throws an InputError
 * naming `file` when TensorFlow.js cannot build it, such as for an unknown
 * layer class, and leaves no variable allocated in that case.
 */
export function buildLayersModel(file: string, topology: Record<string, unknown>): Promise<tf.LayersModel> {
  const build = buildQueue.then(() => buildNow(file, topology));
  buildQueue = build.catch(() => undefined);
  return build;
}

/**
 * Builds run one after another, so that the variables registered while a
 * build fails are that build's own.
 *
 * NOTE: variables that other code creates in the same thread while a build
 * fails are disposed with it. Only the model loaders create variables in the
 * engine, and a Keras loader that builds without this function is not queued.
 */
let buildQueue: Promise<unknown> = Promise.resolve();

async function buildNow(file: string, topology: Record<string, unknown>): Promise<tf.LayersModel> {
  const variablesBefore = new Set(Object.keys(tf.engine().registeredVariables));
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: withZeroInitializers(topology) }));
  } catch (error) {
    // Layers built before the failing one have registered their variables.
    for (const [name, variable] of Object.entries(tf.engine().registeredVariables)) {
      if (!variablesBefore.has(name)) {
        variable.dispose();
      }
    }
    throw modelBuildError(file, error);
  }
}

// ---------------------------------------------------------------------------
// Weight manifest and shards

interface WeightGroup {
  /** Shard paths as the manifest gives them, relative to the model's folder. */
  paths: unknown[];
  specs: tf.io.WeightsManifestEntry[];
  /** Bytes that the group's specs need, which its shards must hold exactly. */
  byteLength: number;
}

function parseWeightGroups(file: string, manifest: unknown[]): WeightGroup[] {
  const fix = 'Export the model again with model.save() in TensorFlow.js or with tensorflowjs_converter';
  const seenNames = new Set<string>();

  return manifest.map((group, groupIndex) => {
    if (!isPlainObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new InputError(file, `weightsManifest group ${groupIndex} is not an object with a paths list and a weights list`, fix);
    }

    const specs = group.weights.map((spec, specIndex) =>
      assertWeightSpec(file, spec, `weightsManifest group ${groupIndex}, weight ${specIndex}`),
    );
    for (const spec of specs) {
      if (seenNames.has(spec.name)) {
        throw new InputError(file, `weightsManifest lists the weight "${spec.name}" twice`, fix);
      }
      seenNames.add(spec.name);
    }

    const byteLength = specs.reduce((sum, spec) => sum + weightByteLength(spec), 0);
    if (group.paths.length === 0 && byteLength > 0) {
      throw new InputError(file, `weightsManifest group ${groupIndex} lists weights but no weight file`, fix);
    }
    return { paths: group.paths, specs, byteLength };
  });
}

/**
 * Reads every group's shards, in manifest order, into one buffer. Paths are
 * checked before any file is opened, and sizes before any byte is read.
 */
async function readWeightShards(
  file: string,
  groups: WeightGroup[],
  limits: LoadLimits,
): Promise<{ weightData: ArrayBuffer; shardFiles: string[] }> {
  const folder = path.dirname(path.resolve(file));
  const groupShards: { files: string[]; sizes: number[] }[] = [];

  for (const [groupIndex, group] of groups.entries()) {
    const files: string[] = [];
    const sizes: number[] = [];
    for (const relative of group.paths) {
      const shard = await resolveInsideFolder(file, folder, relative);
      files.push(shard);
      sizes.push(await checkFileSize(shard, limits, 'weight file'));
    }
    assertShardSizes(file, groupIndex, files, sizes, group.byteLength);
    groupShards.push({ files, sizes });
  }

  const totalBytes = groups.reduce((sum, group) => sum + group.byteLength, 0);
  const weightData = new Uint8Array(totalBytes);
  let offset = 0;
  for (const { files, sizes } of groupShards) {
    for (const [i, shard] of files.entries()) {
      const bytes = await fs.readFile(shard);
      if (bytes.byteLength !== sizes[i]) {
        throw new InputError(shard, 'The weight file changed while it was being read', 'Load the model again once the file is written');
      }
      weightData.set(bytes, offset);
      offset += bytes.byteLength;
    }
  }

  return { weightData: weightData.buffer, shardFiles: groupShards.flatMap((group) => group.files) };
}

// ---------------------------------------------------------------------------
// Weights into the model

interface WeightTarget {
  variable: tf.LayerVariable;
  layerName: string;
}

/**
 * Decodes the weights (dequantizing quantized ones), checks them against the
 * model's variables and writes them. Returns notes for the report. Weights of
 * the `optimizer` group are optimizer state and are skipped. Names match as
 * in TensorFlow.js's own loader: the variable's original name, or that name
 * without the RNN cell segment that TensorFlow 2.2 added (`lstm/lstm_cell/kernel`
 * for `lstm/kernel`). Every check runs before the first write.
 */
function assignManifestWeights(
  file: string,
  model: tf.LayersModel,
  specs: tf.io.WeightsManifestEntry[],
  weightData: tf.io.WeightData,
): string[] {
  const notes: string[] = [];
  const modelSpecs = specs.filter((spec) => spec.group !== 'optimizer');
  const optimizerWeights = specs.length - modelSpecs.length;
  if (optimizerWeights > 0) {
    const noun = optimizerWeights === 1 ? 'weight' : 'weights';
    notes.push(`The model file contains ${optimizerWeights} optimizer ${noun}, which the analysis ignores.`);
  }
  const quantized = modelSpecs.filter((spec) => spec.quantization !== undefined);
  if (quantized.length > 0) {
    const storedAs = [...new Set(quantized.map((spec) => spec.quantization?.dtype))].join(', ');
    notes.push(`${quantized.length} weights are stored quantized (${storedAs}), so the analysis uses their dequantized float32 values.`);
  }

  const decoded = tf.io.decodeWeights(weightData, specs);
  try {
    const pairs = matchWeightsToVariables(file, model, modelSpecs);
    for (const { spec, target } of pairs) {
      const tensor = decoded[spec.name];
      // A variable's shape is concrete: only symbolic tensors have null dimensions.
      const variableShape = target.variable.shape as number[];
      assertWeightShape(file, target.layerName, target.variable.originalName, variableShape, tensor.shape);
      if (tensor.dtype !== target.variable.dtype) {
        throw new InputError(
          file,
          `Layer "${target.layerName}" expects weight "${target.variable.originalName}" as ${target.variable.dtype}, but the weight data is ${tensor.dtype}`,
          'The architecture and the weights come from different models: export both again from the same model',
        );
      }
      assertFiniteWeights(file, spec.name, tensor.dataSync());
    }
    for (const { spec, target } of pairs) {
      target.variable.write(decoded[spec.name]);
    }
  } finally {
    tf.dispose(Object.values(decoded));
  }
  return notes;
}

function matchWeightsToVariables(
  file: string,
  model: tf.LayersModel,
  specs: tf.io.WeightsManifestEntry[],
): { spec: tf.io.WeightsManifestEntry; target: WeightTarget }[] {
  const fix = 'The architecture and the weights come from different models: export both again from the same model';
  const targets = new Map<string, WeightTarget>();
  for (const layer of model.layers) {
    for (const variable of layer.weights) {
      targets.set(variable.originalName, { variable, layerName: layer.name });
    }
  }

  const pairs: { spec: tf.io.WeightsManifestEntry; target: WeightTarget }[] = [];
  const unmatched: string[] = [];
  const assigned = new Set<string>();
  for (const spec of specs) {
    const targetName = targets.has(spec.name) ? spec.name : withoutCellSegment(spec.name);
    const target = targets.get(targetName);
    if (target === undefined) {
      unmatched.push(spec.name);
      continue;
    }
    if (assigned.has(targetName)) {
      throw new InputError(file, `Two weights of the manifest fill the variable "${targetName}"`, fix);
    }
    assigned.add(targetName);
    pairs.push({ spec, target });
  }

  if (unmatched.length > 0) {
    throw new InputError(file, `No layer of the model has the weights ${formatNameList(unmatched)} that weightsManifest lists`, fix);
  }
  const missing = [...targets.keys()].filter((name) => !assigned.has(name));
  if (missing.length > 0) {
    throw new InputError(file, `weightsManifest has no values for the weights ${formatNameList(missing)} of the model`, fix);
  }
  return pairs;
}

/** `lstm/lstm_cell/kernel` → `lstm/kernel`. */
function withoutCellSegment(name: string): string {
  const segments = name.split('/');
  return [...segments.slice(0, -2), segments[segments.length - 1]].join('/');
}

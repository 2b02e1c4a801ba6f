/**
 * Loads TensorFlow.js layers models (model.json under any name, with its
 * weight shards) from disk with `fs`. It works on the cpu and wasm backends
 * without tfjs-node, which is what registers the `file://` handler that
 * `tf.loadLayersModel('file://…')` needs in TensorFlow.js 4.22.
 */
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { InputError } from '../errors';
import type { ModelFormat } from '../report';
import { modelBuildError } from './layerRegistry';
import { listOutputNames } from './outputs';
import { normalizeTopology, withZeroInitializers } from './tfjsTopology';
import { parseTrainingConfig } from './trainingConfig';
import { DEFAULT_LOAD_LIMITS, type LoadedModel, type LoadLimits } from './types';
import {
  assertFiniteWeights,
  assertJsonSizeWithinLimit,
  assertLayersModelJson,
  assertShardSizes,
  assertSizeWithinLimit,
  assertWeightShape,
  assertWeightSpec,
  checkFileSize,
  decodedByteLength,
  formatBytes,
  formatNameList,
  isPlainObject,
  parseJsonText,
  readFileInto,
  readWholeTextFile,
  resolveInsideFolder,
  statRegularFile,
  weightByteLength,
} from './validation';

/**
 * Loads the TensorFlow.js layers model whose model.json is `file`, with every
 * weight from its manifest, and its training config when it has one.
 *
 * Every check of validation.ts runs before the first weight is written. The
 * checks cover JSON syntax and depth, graph models, manifest paths that leave
 * the model's folder or repeat, and missing, truncated or oversized shards.
 * They also cover dtypes, quantization, weight names and shapes against the
 * built layers, and NaN or infinite values. No shard is read before the shard
 * sizes, the manifest's total size, and the manifest's names, shapes and
 * dtypes against the built model are checked. Each failure is an InputError
 * naming `file` or the offending shard. No tensor or variable is left
 * allocated after a failure.
 */
export async function loadTfjsLayersModel(file: string, limits: LoadLimits = DEFAULT_LOAD_LIMITS): Promise<LoadedModel> {
  const handler = new FileSystemLayersModelHandler(file, limits);
  const checked = await handler.readModelFile();

  const model = await buildLayersModel(file, checked.topology);
  let weightNotes: string[];
  try {
    const pairs = matchWeightsToVariables(file, model, checked.specs.filter((spec) => spec.group !== 'optimizer'));
    const weightData = await readWeightShards(checked.shards, checked.storedBytes);
    weightNotes = assignManifestWeights(file, pairs, checked.specs, weightData);
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

/** A model.json whose content and weight files are checked, before any weight file is read. */
export interface CheckedModelFile {
  /** The topology in the current format (see `normalizeTopology`). */
  topology: Record<string, unknown>;
  /** Weight specs of all manifest groups, in manifest order. */
  specs: tf.io.WeightsManifestEntry[];
  /** Weight files in manifest order, with their sizes. */
  shards: ShardFile[];
  /** Bytes of all weight files together, which the specs need exactly. */
  storedBytes: number;
}

/** A weight file listed in a manifest, resolved inside the model's folder. */
interface ShardFile {
  file: string;
  bytes: number;
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
  /** Files of the last `load()` or `readModelFile()`: the model file, then the weight shards in manifest order. */
  files: string[] = [];

  /** Facts about the last `load()` or `readModelFile()` worth a line in the report, such as a format conversion. */
  notes: string[] = [];

  /** Training config as the file records it, or null when it records none. */
  trainingConfig: unknown = null;

  constructor(
    readonly modelFile: string,
    readonly limits: LoadLimits = DEFAULT_LOAD_LIMITS,
  ) {}

  async load(): Promise<tf.io.ModelArtifacts> {
    const checked = await this.readModelFile();
    const weightData = await readWeightShards(checked.shards, checked.storedBytes);
    return {
      modelTopology: checked.topology,
      format: 'layers-model',
      weightSpecs: checked.specs,
      weightData,
    };
  }

  /**
   * Reads and checks the model file, then resolves and checks its weight files
   * without reading them. The checks cover their paths, that no file is listed
   * twice, their sizes against the limit and the manifest, and the size of all
   * weights together against the limit. Sets `files`, `notes` and
   * `trainingConfig`.
   */
  async readModelFile(): Promise<CheckedModelFile> {
    const file = this.modelFile;
    const size = await checkFileSize(file, this.limits);
    assertJsonSizeWithinLimit(file, size, this.limits);
    const text = await readWholeTextFile(file);
    const modelJson = assertLayersModelJson(file, parseJsonText(file, text));
    const { topology, notes } = normalizeTopology(file, modelJson.modelTopology);

    const groups = parseWeightGroups(file, modelJson.weightsManifest);
    const shards = await checkWeightShards(file, groups, this.limits);

    this.files = [file, ...shards.map((shard) => shard.file)];
    this.notes = notes;
    this.trainingConfig = modelJson.trainingConfig;
    return {
      topology,
      specs: groups.flatMap((group) => group.specs),
      shards,
      storedBytes: groups.reduce((sum, group) => sum + group.byteLength, 0),
    };
  }
}

/**
 * Builds the layers model that `topology` (current format, see
 * `normalizeTopology`) describes, with zero weights. Throws an InputError
 * naming `file` when TensorFlow.js cannot build it, such as for an unknown
 * layer class, and leaves no variable allocated in that case. `format` is the
 * format of `file`, whose tools the error's fix names.
 */
export function buildLayersModel(
  file: string,
  topology: Record<string, unknown>,
  format: ModelFormat = 'tfjs-layers',
): Promise<tf.LayersModel> {
  const build = buildQueue.then(() => buildNow(file, topology, format));
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

async function buildNow(file: string, topology: Record<string, unknown>, format: ModelFormat): Promise<tf.LayersModel> {
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
    throw modelBuildError(file, error, format);
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
 * Resolves the weight files of every group and checks them without reading
 * them. A path listed twice, or two paths that name the same file, are
 * rejected before any file is opened, so that a crafted manifest cannot make
 * the loader read one large file many times. Returns the files in manifest
 * order with their sizes.
 */
async function checkWeightShards(file: string, groups: WeightGroup[], limits: LoadLimits): Promise<ShardFile[]> {
  assertNoRepeatedPaths(file, groups);

  const folder = path.dirname(path.resolve(file));
  const pathsByIdentity = new Map<string, string>();
  const shards: ShardFile[] = [];
  for (const [groupIndex, group] of groups.entries()) {
    const groupShards: ShardFile[] = [];
    for (const relative of group.paths) {
      const shard = await resolveInsideFolder(file, folder, relative);
      const stats = await statRegularFile(shard, 'weight file');
      assertSizeWithinLimit(shard, stats.size, limits, 'weight file');

      // Device and inode identify a file behind any symbolic or hard link. An inode of 0 means that the file system reports none.
      const identity = `${stats.dev}:${stats.ino}`;
      const sameFile = stats.ino === 0 ? undefined : pathsByIdentity.get(identity);
      if (sameFile !== undefined) {
        throw new InputError(
          file,
          `weightsManifest lists the weight paths "${sameFile}" and "${String(relative)}", which are the same file`,
          'List each weight file once: export the model again with model.save() in TensorFlow.js or with tensorflowjs_converter',
        );
      }
      pathsByIdentity.set(identity, String(relative));
      groupShards.push({ file: shard, bytes: stats.size });
    }
    assertShardSizes(
      file,
      groupIndex,
      groupShards.map((shard) => shard.file),
      groupShards.map((shard) => shard.bytes),
      group.byteLength,
    );
    shards.push(...groupShards);
  }

  assertTotalWeightSize(file, groups, limits);
  return shards;
}

/** Throws an InputError when a weight path appears twice in the manifest, compared after normalization (`./a.bin` is `a.bin`). */
function assertNoRepeatedPaths(file: string, groups: WeightGroup[]): void {
  const seen = new Set<string>();
  for (const group of groups) {
    for (const relative of group.paths) {
      if (typeof relative !== 'string') {
        continue;
      }
      const normalized = path.posix.normalize(relative.replaceAll('\\', '/'));
      if (seen.has(normalized)) {
        throw new InputError(
          file,
          `weightsManifest lists the weight file "${relative}" more than once`,
          'List each weight file once: export the model again with model.save() in TensorFlow.js or with tensorflowjs_converter',
        );
      }
      seen.add(normalized);
    }
  }
}

/**
 * Throws an InputError when the weights of all groups, decoded to float32 or
 * int32 values, take more than `limits.maxFileBytes`: the same limit that a
 * Keras file, which contains all weights, has.
 */
function assertTotalWeightSize(file: string, groups: WeightGroup[], limits: LoadLimits): void {
  let decodedBytes = 0;
  for (const group of groups) {
    for (const spec of group.specs) {
      decodedBytes += decodedByteLength(spec);
    }
  }
  if (decodedBytes <= limits.maxFileBytes) {
    return;
  }
  throw new InputError(
    file,
    `The weights that weightsManifest lists take ${formatBytes(decodedBytes)} as decoded values, more than the limit of ${formatBytes(limits.maxFileBytes)} for the weights of a model`,
    'Check that this is the right model: a model with more weights cannot be analysed',
  );
}

/**
 * Reads the weight files, in manifest order, into one buffer of `totalBytes`.
 * Each file must still have the size that `checkWeightShards` found.
 */
async function readWeightShards(shards: ShardFile[], totalBytes: number): Promise<ArrayBuffer> {
  const weightData = new Uint8Array(totalBytes);
  let offset = 0;
  for (const shard of shards) {
    await readFileInto(shard.file, weightData.subarray(offset, offset + shard.bytes), 'weight file');
    offset += shard.bytes;
  }
  return weightData.buffer;
}

// ---------------------------------------------------------------------------
// Weights into the model

interface WeightTarget {
  variable: tf.LayerVariable;
  layerName: string;
}

/** A manifest weight and the model variable it fills. */
interface WeightPair {
  spec: tf.io.WeightsManifestEntry;
  target: WeightTarget;
}

/**
 * Decodes the weights (dequantizing quantized ones), checks that they are
 * finite and writes them into the variables of `pairs`, which
 * `matchWeightsToVariables` checked. `specs` are all the manifest's specs, in
 * the order of `weightData`. Returns notes for the report. Weights of the
 * `optimizer` group are optimizer state and are skipped. Every check runs
 * before the first write.
 */
function assignManifestWeights(
  file: string,
  pairs: WeightPair[],
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
    for (const { spec } of pairs) {
      assertFiniteWeights(file, spec.name, decoded[spec.name].dataSync());
    }
    for (const { spec, target } of pairs) {
      target.variable.write(decoded[spec.name]);
    }
  } finally {
    tf.dispose(Object.values(decoded));
  }
  return notes;
}

/**
 * Pairs each weight of `specs` with the model variable it fills, and checks
 * the names, shapes and dtypes that the manifest declares against the model,
 * before any weight file is read. Names match as in TensorFlow.js's own
 * loader: the variable's original name, or that name without the RNN cell
 * segment that TensorFlow 2.2 added (`lstm/lstm_cell/kernel` for `lstm/kernel`).
 */
function matchWeightsToVariables(file: string, model: tf.LayersModel, specs: tf.io.WeightsManifestEntry[]): WeightPair[] {
  const fix = 'The architecture and the weights come from different models: export both again from the same model';
  const targets = new Map<string, WeightTarget>();
  for (const layer of model.layers) {
    for (const variable of layer.weights) {
      targets.set(variable.originalName, { variable, layerName: layer.name });
    }
  }

  const pairs: WeightPair[] = [];
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

  for (const { spec, target } of pairs) {
    // A variable's shape is concrete: only symbolic tensors have null dimensions.
    const variableShape = target.variable.shape as number[];
    assertWeightShape(file, target.layerName, target.variable.originalName, variableShape, spec.shape);
    // Decoding gives a tensor of the spec's dtype, also for quantized weights.
    if (spec.dtype !== target.variable.dtype) {
      throw new InputError(
        file,
        `Layer "${target.layerName}" expects weight "${target.variable.originalName}" as ${target.variable.dtype}, but the weight data is ${spec.dtype}`,
        fix,
      );
    }
  }
  return pairs;
}

/** `lstm/lstm_cell/kernel` → `lstm/kernel`. */
function withoutCellSegment(name: string): string {
  const segments = name.split('/');
  return [...segments.slice(0, -2), segments[segments.length - 1]].join('/');
}

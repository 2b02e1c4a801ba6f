import * as assert from 'node:assert/strict';
import * as fsPromises from 'node:fs/promises';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { loadTfjsLayersModel } from '../../../src/engine/models/tfjsLayers';
import { withZeroInitializers } from '../../../src/engine/models/tfjsTopology';
import { DEFAULT_LOAD_LIMITS } from '../../../src/engine/models/types';
import { MAX_JSON_DEPTH } from '../../../src/engine/models/jsonText';
import {
  assertFiniteWeights,
  assertWeightShape,
  isGraphModelJson,
  isInside,
  parseJsonText,
  resolveInsideFolder,
} from '../../../src/engine/models/validation';
import { expectInputError, firstGroup, makeTempDir, tinyTopology, tinyWeightValues, writeTinyModel } from './fixtures';

/** Hidden units of the tiny model made wide by `widenTinyModel`. */
const WIDE_HIDDEN_UNITS = 400;

/** Number of float32 values of the wide model: 3·400 + 400 + 400·2 + 2. */
const WIDE_VALUE_COUNT = 3 * WIDE_HIDDEN_UNITS + WIDE_HIDDEN_UNITS + WIDE_HIDDEN_UNITS * 2 + 2;

/** Gives the tiny model 400 hidden units, so that its weights take more bytes than its model.json. */
function widenTinyModel(json: Record<string, unknown>): void {
  json.modelTopology = tinyTopology(WIDE_HIDDEN_UNITS);
  const weights = firstGroup(json).weights;
  weights[0].shape = [3, WIDE_HIDDEN_UNITS];
  weights[1].shape = [WIDE_HIDDEN_UNITS];
  weights[2].shape = [WIDE_HIDDEN_UNITS, 2];
}

describe('tfjs layers model validation', () => {
  let folder: string;

  before(async () => {
    await tf.setBackend('cpu');
  });

  beforeEach(async () => {
    folder = await makeTempDir();
  });

  afterEach(async () => {
    await fsPromises.rm(folder, { recursive: true, force: true });
  });

  describe('JSON structure', () => {
    it('invalid JSON gives line and column', async () => {
      const modelFile = path.join(folder, 'model.json');
      await fsPromises.writeFile(modelFile, '{\n  "modelTopology": {\n    "class_name": Sequential\n  }\n}\n');

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /not valid JSON/);
      assert.match(error.problem, /line 3, column 19/);
      assert.match(error.fix, /Repair the file|export the model again/);
    });

    it('truncated JSON is invalid', async () => {
      const modelFile = path.join(folder, 'model.json');
      await fsPromises.writeFile(modelFile, '{"modelTopology": {"class_name": "Sequential"');

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /not valid JSON: closing brace expected at line 1/);
    });

    it('JSON without modelTopology is rejected', async () => {
      const modelFile = path.join(folder, 'weights-only.json');
      await fsPromises.writeFile(modelFile, JSON.stringify({ weightsManifest: [] }));

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /has no modelTopology/);
    });

    it('model without weightsManifest is rejected', async () => {
      const { modelFile } = await writeTinyModel(folder, {
        edit: (json) => {
          delete json.weightsManifest;
        },
      });

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /no weightsManifest/);
      assert.match(error.fix, /with its weights/);
    });

    it('sidecar passed as a model is named as such', async () => {
      await writeTinyModel(folder, { modelFileName: 'digits.json' });
      const sidecar = path.join(folder, 'digits.hessian.json');
      await fsPromises.writeFile(sidecar, JSON.stringify({ data: 'x.npy', labels: 'y.npy', loss: 'sparse_categorical_crossentropy' }));

      const error = await expectInputError(loadTfjsLayersModel(sidecar), sidecar);

      assert.match(error.problem, /Hessian Spectrum settings file/);
      assert.match(error.fix, /"digits"/);
    });

    it('package.json passed as a model is named as such', async () => {
      const manifest = path.join(folder, 'package.json');
      await fsPromises.writeFile(manifest, JSON.stringify({ name: 'some-app', version: '1.0.0', dependencies: { '@tensorflow/tfjs': '4.22.0' } }));

      const error = await expectInputError(loadTfjsLayersModel(manifest), manifest);

      assert.match(error.problem, /npm package manifest/);
      assert.match(error.fix, /model\.json/);
    });

    it('Keras architecture JSON is named as such', async () => {
      const architecture = path.join(folder, 'architecture.json');
      await fsPromises.writeFile(architecture, JSON.stringify({ ...tinyTopology(), keras_version: '2.15.0', backend: 'tensorflow' }));

      const error = await expectInputError(loadTfjsLayersModel(architecture), architecture);

      assert.match(error.problem, /Keras model architecture/);
      assert.match(error.fix, /model\.save/);
    });

    it('graph model JSON is detected', () => {
      assert.equal(isGraphModelJson({ format: 'graph-model', modelTopology: {} }), true);
      assert.equal(isGraphModelJson({ modelTopology: { node: [{ name: 'x', op: 'Placeholder' }] } }), true);
      assert.equal(isGraphModelJson({ modelTopology: {}, signature: { inputs: {} } }), true);
      assert.equal(isGraphModelJson({ format: 'layers-model', modelTopology: tinyTopology() }), false);
    });

    it('parseJsonText accepts a byte order mark', () => {
      assert.deepEqual(parseJsonText('model.json', '\ufeff{"a": 1}'), { a: 1 });
    });

    it('deeply nested layer config is rejected', async () => {
      // JSON.parse reads 200,000 levels, but the recursive walks after it overflow the call stack.
      const depth = 200_000;
      const { modelFile } = await writeTinyModel(folder, {
        edit: (json) => {
          const layers = ((json.modelTopology as Record<string, unknown>).config as { layers: { config: Record<string, unknown> }[] }).layers;
          layers[0].config.kernel_regularizer = '<nested>';
        },
      });
      const nested = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
      const text = await fsPromises.readFile(modelFile, 'utf8');
      await fsPromises.writeFile(modelFile, text.replace('"<nested>"', nested));

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, new RegExp(`nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep \\(at line \\d+, column \\d+\\)`));
    });

    it('deeply nested invalid JSON is rejected', async () => {
      // Invalid JSON goes to jsonc-parser for its position, whose parser is recursive too.
      const modelFile = path.join(folder, 'model.json');
      await fsPromises.writeFile(modelFile, `{"modelTopology": ${'['.repeat(200_000)}`);

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      // The object opens level 1, so the 256th bracket, at column 19 + 255, is the first too deep.
      assert.match(error.problem, /more than 256 levels deep \(at line 1, column 274\)/);
    });

    it('nesting up to the limit is read', () => {
      const atLimit = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
      const overLimit = '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1);
      const inString = JSON.stringify({ text: '['.repeat(1000) });

      assert.ok(Array.isArray(parseJsonText('model.json', atLimit)));
      assert.throws(() => parseJsonText('model.json', overLimit), /more than 256 levels deep \(at line 1, column 257\)/);
      assert.deepEqual(parseJsonText('model.json', inString), { text: '['.repeat(1000) });
    });

    it('JSON model over its size limit is rejected', async () => {
      const { modelFile } = await writeTinyModel(folder);
      const modelBytes = (await fsPromises.stat(modelFile)).size;

      const error = await expectInputError(loadTfjsLayersModel(modelFile, { ...DEFAULT_LOAD_LIMITS, maxJsonFileBytes: modelBytes - 1 }), modelFile);

      assert.match(error.problem, new RegExp(`JSON of .*\\(${modelBytes} bytes\\), larger than the limit of .*\\(${modelBytes - 1} bytes\\) for a TensorFlow.js model.json`));
      assert.match(error.fix, /keeps the weights in separate \.bin files/);
    });

    it('JSON too long for a string is an InputError', async () => {
      const modelFile = path.join(folder, 'model.json');
      await fsPromises.writeFile(modelFile, '{"modelTopology": {}, "padding": "');
      // A sparse file takes no disk space. A V8 string in Node 20 has at most 2^29 − 24 characters.
      await fsPromises.truncate(modelFile, 600 * 1024 * 1024);
      const limits = { ...DEFAULT_LOAD_LIMITS, maxJsonFileBytes: 1024 ** 3 };

      const error = await expectInputError(loadTfjsLayersModel(modelFile, limits), modelFile);

      assert.match(error.problem, /is too long to read as text/);
    });

    it('default JSON limit is far below the binary one', () => {
      assert.equal(DEFAULT_LOAD_LIMITS.maxFileBytes, 2 ** 31 - 1);
      assert.equal(DEFAULT_LOAD_LIMITS.maxJsonFileBytes, 256 * 1024 ** 2);
    });
  });

  describe('weight paths', () => {
    it('path with .. out of the folder is rejected', async () => {
      const { modelFile } = await writeTinyModel(folder, {
        edit: (json) => {
          firstGroup(json).paths = ['../../etc/passwd'];
        },
      });

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /"\.\.\/\.\.\/etc\/passwd" leaves the model's folder/);
      assert.match(error.fix, /relative path/);
    });

    it('absolute path is rejected', async () => {
      const { modelFile } = await writeTinyModel(folder, {
        edit: (json) => {
          firstGroup(json).paths = ['/etc/passwd'];
        },
      });

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /"\/etc\/passwd" is absolute/);
    });

    it('Windows absolute path is rejected', async () => {
      const { modelFile } = await writeTinyModel(folder, {
        edit: (json) => {
          firstGroup(json).paths = ['C:\\Windows\\win.ini'];
        },
      });

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /is absolute/);
    });

    it('URL path is rejected', async () => {
      const { modelFile } = await writeTinyModel(folder, {
        edit: (json) => {
          firstGroup(json).paths = ['https://example.com/weights.bin'];
        },
      });

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /is a URL/);
    });

    it('symlink out of the folder is rejected', async () => {
      const outside = await makeTempDir();
      try {
        const values = tinyWeightValues();
        await fsPromises.writeFile(path.join(outside, 'weights.bin'), Buffer.from(values.buffer));
        const { modelFile } = await writeTinyModel(folder, {
          edit: (json) => {
            firstGroup(json).paths = ['linked.bin'];
          },
        });
        await fsPromises.symlink(path.join(outside, 'weights.bin'), path.join(folder, 'linked.bin'));

        const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

        assert.match(error.problem, /"linked\.bin" is a symbolic link to .*outside the model's folder/);
        assert.match(error.fix, /Copy the weight file/);
      } finally {
        await fsPromises.rm(outside, { recursive: true, force: true });
      }
    });

    it('symlink inside the folder is accepted', async () => {
      const { modelFile, values } = await writeTinyModel(folder, {
        edit: (json) => {
          firstGroup(json).paths = ['linked.bin'];
        },
      });
      await fsPromises.symlink(path.join(folder, 'weights.bin'), path.join(folder, 'linked.bin'));

      const loaded = await loadTfjsLayersModel(modelFile);
      try {
        const bias = loaded.model.getLayer('output').getWeights()[1].dataSync();
        assert.deepEqual(Array.from(bias), Array.from(values.subarray(24, 26)));
      } finally {
        loaded.model.dispose();
      }
    });

    it('resolveInsideFolder accepts .. that stays inside', async () => {
      await fsPromises.mkdir(path.join(folder, 'sub'));
      await fsPromises.writeFile(path.join(folder, 'weights.bin'), 'x');

      const resolved = await resolveInsideFolder('model.json', folder, 'sub/../weights.bin');

      assert.equal(resolved, path.join(folder, 'weights.bin'));
    });

    it('file name starting with two dots is accepted', async () => {
      const { modelFile, shardFile, values } = await writeTinyModel(folder, {
        edit: (json) => {
          firstGroup(json).paths = ['..weights.bin'];
        },
      });
      await fsPromises.rename(shardFile, path.join(folder, '..weights.bin'));

      const loaded = await loadTfjsLayersModel(modelFile);
      try {
        const bias = loaded.model.getLayer('output').getWeights()[1].dataSync();
        assert.deepEqual(Array.from(bias), Array.from(values.subarray(24, 26)));
      } finally {
        loaded.model.dispose();
      }
    });

    it('isInside tells parent segments from names', () => {
      const root = path.resolve('/models/mnist');
      const cases: Array<[string, boolean]> = [
        ['weights.bin', true],
        ['..weights.bin', true],
        ['...', true],
        ['sub/..b.bin', true],
        ['..', false],
        ['../weights.bin', false],
        ['../mnist-copy/weights.bin', false],
        ['', false],
      ];
      for (const [relative, expected] of cases) {
        assert.equal(isInside(root, path.resolve(root, relative)), expected, JSON.stringify(relative));
      }
    });

    it('symlink loop is named as such', async () => {
      const { modelFile, shardFile } = await writeTinyModel(folder, {
        edit: (json) => {
          firstGroup(json).paths = ['loop-a.bin'];
        },
      });
      await fsPromises.rm(shardFile);
      await fsPromises.symlink(path.join(folder, 'loop-b.bin'), path.join(folder, 'loop-a.bin'));
      await fsPromises.symlink(path.join(folder, 'loop-a.bin'), path.join(folder, 'loop-b.bin'));

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /"loop-a\.bin" listed in weightsManifest is a symbolic link loop/);
      assert.doesNotMatch(error.fix, /permission/);
    });

    it('resolveInsideFolder rejects a non-string path', async () => {
      const error = await expectInputError(resolveInsideFolder('model.json', folder, 42), 'model.json');

      assert.match(error.problem, /is a number instead of a file name/);
    });
  });

  describe('shards', () => {
    it('missing shard is named', async () => {
      const { modelFile, shardFile } = await writeTinyModel(folder);
      await fsPromises.rm(shardFile);

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /"weights\.bin" listed in weightsManifest was not found/);
      assert.match(error.fix, /Put the weight file beside the model file/);
    });

    it('truncated shard is rejected with byte counts', async () => {
      const { modelFile, shardFile } = await writeTinyModel(folder);
      await fsPromises.truncate(shardFile, 100);

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /is truncated/);
      assert.match(error.problem, /need 104 bytes/);
      assert.match(error.problem, /weights\.bin \(100 bytes\)/);
    });

    it('too long shard is rejected', async () => {
      const { modelFile, shardFile } = await writeTinyModel(folder);
      await fsPromises.appendFile(shardFile, Buffer.alloc(8));

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /is longer than the manifest says/);
      assert.match(error.problem, /hold 112/);
    });

    it('repeated shard path is rejected', async () => {
      const half = tinyWeightValues().subarray(0, 13);
      const { modelFile, shardFile } = await writeTinyModel(folder, {
        edit: (json) => {
          firstGroup(json).paths = ['weights.bin', './weights.bin'];
        },
      });
      await fsPromises.writeFile(shardFile, Buffer.from(half.buffer, half.byteOffset, half.byteLength));

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /lists the weight file "\.\/weights\.bin" more than once/);
    });

    it('two links to one shard are rejected', async () => {
      const half = tinyWeightValues().subarray(0, 13);
      const { modelFile, shardFile } = await writeTinyModel(folder, {
        edit: (json) => {
          firstGroup(json).paths = ['weights.bin', 'linked.bin'];
        },
      });
      await fsPromises.writeFile(shardFile, Buffer.from(half.buffer, half.byteOffset, half.byteLength));
      await fsPromises.link(shardFile, path.join(folder, 'linked.bin'));

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /the weight paths "weights\.bin" and "linked\.bin", which are the same file/);
    });

    it('manifest over the weight limit is rejected', async () => {
      // 2,402 float32 values in two shards of 4,804 bytes, each under the limit of 9,000 bytes but not together.
      const { modelFile, shardFile } = await writeTinyModel(folder, {
        values: tinyWeightValues(WIDE_VALUE_COUNT),
        edit: (json) => {
          widenTinyModel(json);
          firstGroup(json).paths = ['weights.bin', 'weights-2.bin'];
        },
      });
      const bytes = await fsPromises.readFile(shardFile);
      await fsPromises.writeFile(shardFile, bytes.subarray(0, bytes.length / 2));
      await fsPromises.writeFile(path.join(folder, 'weights-2.bin'), bytes.subarray(bytes.length / 2));

      const error = await expectInputError(loadTfjsLayersModel(modelFile, { ...DEFAULT_LOAD_LIMITS, maxFileBytes: 9000 }), modelFile);

      assert.match(error.problem, /take 9\.4 KiB \(9608 bytes\) as decoded values, more than the limit of 8\.8 KiB \(9000 bytes\) for the weights of a model/);
    });

    it('quantized weights count decoded', async () => {
      const { modelFile, shardFile } = await writeTinyModel(folder, {
        edit: (json) => {
          widenTinyModel(json);
          for (const weight of firstGroup(json).weights) {
            weight.quantization = { dtype: 'uint8', min: -1, scale: 0.01 };
          }
        },
      });
      await fsPromises.writeFile(shardFile, new Uint8Array(WIDE_VALUE_COUNT));

      // 2,402 bytes stored, under the limit, but 9,608 bytes once dequantized to float32.
      const error = await expectInputError(loadTfjsLayersModel(modelFile, { ...DEFAULT_LOAD_LIMITS, maxFileBytes: 9000 }), modelFile);

      assert.match(error.problem, /take 9\.4 KiB \(9608 bytes\) as decoded values/);
    });

    it('manifest checks run before shards are read', async () => {
      const { modelFile } = await writeTinyModel(folder, {
        values: new Float32Array([...tinyWeightValues(), 0.25]),
        edit: (json) => {
          firstGroup(json).weights.push({ name: 'extra/scale', shape: [1], dtype: 'float32' });
        },
      });
      // Records every file the loader opens or reads whole while it loads.
      const opened: string[] = [];
      const original = { open: fsPromises.open, readFile: fsPromises.readFile };
      const module = require('node:fs/promises') as { open: typeof fsPromises.open; readFile: typeof fsPromises.readFile };
      module.open = ((file: string, ...rest: unknown[]) => {
        opened.push(String(file));
        return (original.open as (...args: unknown[]) => unknown)(file, ...rest);
      }) as typeof fsPromises.open;
      module.readFile = ((file: string, ...rest: unknown[]) => {
        opened.push(String(file));
        return (original.readFile as (...args: unknown[]) => unknown)(file, ...rest);
      }) as typeof fsPromises.readFile;

      try {
        const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);
        assert.match(error.problem, /No layer of the model has the weights "extra\/scale"/);
      } finally {
        Object.assign(module, original);
      }

      assert.ok(opened.includes(modelFile), `the spy saw the model file: ${opened.join(', ')}`);
      assert.ok(!opened.some((file) => file.endsWith('weights.bin')), `weights.bin was read: ${opened.join(', ')}`);
    });

    it('oversized model file is rejected', async () => {
      const { modelFile } = await writeTinyModel(folder);

      const error = await expectInputError(loadTfjsLayersModel(modelFile, { ...DEFAULT_LOAD_LIMITS, maxFileBytes: 100 }), modelFile);

      assert.match(error.problem, /model file is .* larger than the limit of 100 bytes/);
      assert.match(error.fix, /Check that this is the right file: the loader reads model files of at most 100 bytes/);
    });

    it('oversized shard is rejected', async () => {
      const { modelFile, shardFile } = await writeTinyModel(folder, {
        values: tinyWeightValues(WIDE_VALUE_COUNT),
        edit: widenTinyModel,
      });
      const modelBytes = (await fsPromises.stat(modelFile)).size;
      const shardBytes = (await fsPromises.stat(shardFile)).size;
      assert.ok(modelBytes < shardBytes, 'the test needs a shard larger than the model file');

      const error = await expectInputError(loadTfjsLayersModel(modelFile, { ...DEFAULT_LOAD_LIMITS, maxFileBytes: modelBytes }), shardFile);

      assert.match(error.problem, /weight file is .* larger than the limit/);
      assert.match(error.fix, /--weight_shard_size_bytes/);
    });
  });

  describe('weight specs', () => {
    it('unsupported dtype is rejected', async () => {
      const { modelFile } = await writeTinyModel(folder, {
        edit: (json) => {
          firstGroup(json).weights[1].dtype = 'complex64';
        },
      });

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /Weight "hidden\/bias" has the dtype "complex64"/);
      assert.match(error.problem, /float32 and int32/);
    });

    it('unknown quantization dtype is rejected', async () => {
      const { modelFile } = await writeTinyModel(folder, {
        edit: (json) => {
          firstGroup(json).weights[0].quantization = { dtype: 'int4', min: 0, scale: 1 };
        },
      });

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /"hidden\/kernel" is quantized as "int4"/);
      assert.match(error.problem, /uint8, uint16, float16/);
    });

    it('uint8 quantization without scale is rejected', async () => {
      const { modelFile } = await writeTinyModel(folder, {
        edit: (json) => {
          firstGroup(json).weights[0].quantization = { dtype: 'uint8', min: 0 };
        },
      });

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /without finite numbers for min and scale/);
    });

    it('negative dimension is rejected', async () => {
      const { modelFile } = await writeTinyModel(folder, {
        edit: (json) => {
          firstGroup(json).weights[1].shape = [-4];
        },
      });

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /shape \[-4\], which is not a list of non-negative integers/);
    });

    it('duplicate weight name is rejected', async () => {
      const { modelFile } = await writeTinyModel(folder, {
        edit: (json) => {
          firstGroup(json).weights[1].name = 'hidden/kernel';
        },
      });

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /lists the weight "hidden\/kernel" twice/);
    });
  });

  describe('weights against the model', () => {
    it('NaN weight is named', async () => {
      const values = tinyWeightValues();
      values[13] = Number.NaN;
      const { modelFile } = await writeTinyModel(folder, { values });

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /Weight "hidden\/bias" contains NaN at flat index 1/);
      assert.match(error.fix, /finite/);
    });

    it('infinite weight is named', async () => {
      const values = tinyWeightValues();
      values[25] = Number.NEGATIVE_INFINITY;
      const { modelFile } = await writeTinyModel(folder, { values });

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /Weight "output\/bias" contains -Infinity at flat index 1 \(1 of 2 values/);
    });

    it('shape mismatch names layer and shapes', async () => {
      const { modelFile } = await writeTinyModel(folder, {
        edit: (json) => {
          firstGroup(json).weights[0].shape = [4, 3];
        },
      });

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /Layer "hidden"/);
      assert.match(error.problem, /weight "hidden\/kernel" of shape \[3, 4\]/);
      assert.match(error.problem, /has shape \[4, 3\]/);
      assert.match(error.fix, /same model/);
    });

    it('weight no layer owns is rejected', async () => {
      const values = new Float32Array([...tinyWeightValues(), 0.25]);
      const { modelFile } = await writeTinyModel(folder, {
        values,
        edit: (json) => {
          firstGroup(json).weights.push({ name: 'extra/scale', shape: [1], dtype: 'float32' });
        },
      });

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /No layer of the model has the weights "extra\/scale"/);
    });

    it('weight missing from the manifest is rejected', async () => {
      const { modelFile } = await writeTinyModel(folder, {
        values: tinyWeightValues(24),
        edit: (json) => {
          firstGroup(json).weights.pop();
        },
      });

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /weightsManifest has no values for the weights "output\/bias"/);
    });

    it('int32 data for a float32 variable is rejected', async () => {
      const values = tinyWeightValues();
      const bytes = Buffer.from(values.buffer);
      new Int32Array(bytes.buffer, bytes.byteOffset + 24 * 4, 2).set([1, 2]);
      const { modelFile, shardFile } = await writeTinyModel(folder, {
        edit: (json) => {
          firstGroup(json).weights[3].dtype = 'int32';
        },
      });
      await fsPromises.writeFile(shardFile, bytes);

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /expects weight "output\/bias" as float32, but the weight data is int32/);
    });

    it('unknown layer class lists supported ones', async () => {
      const { modelFile } = await writeTinyModel(folder, {
        edit: (json) => {
          const layers = ((json.modelTopology as Record<string, unknown>).config as { layers: { class_name: string }[] }).layers;
          layers[1].class_name = 'FancyDense';
        },
      });

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /layer class "FancyDense"/);
      assert.match(error.problem, /Supported layer classes: .*Conv2D.*Dense.*LSTM/);
      assert.match(error.fix, /supported one/);
    });

    it('unknown activation is named', async () => {
      const { modelFile } = await writeTinyModel(folder, {
        edit: (json) => {
          const layers = ((json.modelTopology as Record<string, unknown>).config as { layers: { config: Record<string, unknown> }[] }).layers;
          layers[0].config.activation = 'squareplus';
        },
      });

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /activation "squareplus"/);
    });

    it('failed loads leave no tensors', async () => {
      const before = tf.memory().numTensors;

      const nanValues = tinyWeightValues();
      nanValues[0] = Number.NaN;
      const nanModel = await writeTinyModel(folder, { modelFileName: 'nan.json', values: nanValues });
      await expectInputError(loadTfjsLayersModel(nanModel.modelFile), nanModel.modelFile);

      const mismatch = await writeTinyModel(folder, {
        modelFileName: 'mismatch.json',
        edit: (json) => {
          firstGroup(json).weights[2].shape = [2, 4];
        },
      });
      await expectInputError(loadTfjsLayersModel(mismatch.modelFile), mismatch.modelFile);

      const unknownLayer = await writeTinyModel(folder, {
        modelFileName: 'unknown.json',
        edit: (json) => {
          const layers = ((json.modelTopology as Record<string, unknown>).config as { layers: { class_name: string }[] }).layers;
          layers[1].class_name = 'FancyDense';
        },
      });
      await expectInputError(loadTfjsLayersModel(unknownLayer.modelFile), unknownLayer.modelFile);

      assert.equal(tf.memory().numTensors, before);
    });
  });

  describe('reusable checks', () => {
    it('assertFiniteWeights passes finite values', () => {
      assert.doesNotThrow(() => assertFiniteWeights('m.json', 'w', new Float32Array([0, -1.5, 3e38])));
    });

    it('assertFiniteWeights counts bad values', () => {
      assert.throws(
        () => assertFiniteWeights('m.json', 'dense/kernel', [1, Number.POSITIVE_INFINITY, Number.NaN]),
        /Weight "dense\/kernel" contains Infinity at flat index 1 \(2 of 3 values are not finite\)/,
      );
    });

    it('withZeroInitializers keeps __proto__ keys', () => {
      // JSON.parse makes "__proto__" an own key; copying it by assignment would set the copy's prototype.
      const topology = JSON.parse('{"config": {"__proto__": {"units": 3}, "kernel_initializer": {"class_name": "Ones"}}}');

      const config = withZeroInitializers(topology).config as Record<string, unknown>;

      assert.equal(Object.getPrototypeOf(config), Object.prototype);
      assert.deepEqual(Object.keys(config), ['__proto__', 'kernel_initializer']);
      assert.deepEqual(config.kernel_initializer, { class_name: 'Zeros', config: {} });
    });

    it('assertWeightShape compares rank too', () => {
      assert.throws(() => assertWeightShape('m.json', 'dense', 'dense/bias', [10], [10, 1]), /shape \[10\], but .* shape \[10, 1\]/);
    });
  });
});

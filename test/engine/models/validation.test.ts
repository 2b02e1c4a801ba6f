import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { loadTfjsLayersModel } from '../../../src/engine/models/tfjsLayers';
import {
  assertFiniteWeights,
  assertWeightShape,
  isGraphModelJson,
  parseJsonText,
  resolveInsideFolder,
} from '../../../src/engine/models/validation';
import { expectInputError, firstGroup, makeTempDir, tinyTopology, tinyWeightValues, writeTinyModel } from './fixtures';

describe('tfjs layers model validation', () => {
  let folder: string;

  before(async () => {
    await tf.setBackend('cpu');
  });

  beforeEach(async () => {
    folder = await makeTempDir();
  });

  afterEach(async () => {
    await fs.rm(folder, { recursive: true, force: true });
  });

  describe('JSON structure', () => {
    it('invalid JSON gives line and column', async () => {
      const modelFile = path.join(folder, 'model.json');
      await fs.writeFile(modelFile, '{\n  "modelTopology": {\n    "class_name": Sequential\n  }\n}\n');

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /not valid JSON/);
      assert.match(error.problem, /line 3, column 19/);
      assert.match(error.fix, /Repair the file|export the model again/);
    });

    it('truncated JSON is invalid', async () => {
      const modelFile = path.join(folder, 'model.json');
      await fs.writeFile(modelFile, '{"modelTopology": {"class_name": "Sequential"');

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /not valid JSON: closing brace expected at line 1/);
    });

    it('JSON without modelTopology is rejected', async () => {
      const modelFile = path.join(folder, 'weights-only.json');
      await fs.writeFile(modelFile, JSON.stringify({ weightsManifest: [] }));

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
      await fs.writeFile(sidecar, JSON.stringify({ data: 'x.npy', labels: 'y.npy', loss: 'sparse_categorical_crossentropy' }));

      const error = await expectInputError(loadTfjsLayersModel(sidecar), sidecar);

      assert.match(error.problem, /Hessian Spectrum settings file/);
      assert.match(error.fix, /"digits"/);
    });

    it('package.json passed as a model is named as such', async () => {
      const manifest = path.join(folder, 'package.json');
      await fs.writeFile(manifest, JSON.stringify({ name: 'some-app', version: '1.0.0', dependencies: { '@tensorflow/tfjs': '4.22.0' } }));

      const error = await expectInputError(loadTfjsLayersModel(manifest), manifest);

      assert.match(error.problem, /npm package manifest/);
      assert.match(error.fix, /model\.json/);
    });

    it('Keras architecture JSON is named as such', async () => {
      const architecture = path.join(folder, 'architecture.json');
      await fs.writeFile(architecture, JSON.stringify({ ...tinyTopology(), keras_version: '2.15.0', backend: 'tensorflow' }));

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
        await fs.writeFile(path.join(outside, 'weights.bin'), Buffer.from(values.buffer));
        const { modelFile } = await writeTinyModel(folder, {
          edit: (json) => {
            firstGroup(json).paths = ['linked.bin'];
          },
        });
        await fs.symlink(path.join(outside, 'weights.bin'), path.join(folder, 'linked.bin'));

        const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

        assert.match(error.problem, /"linked\.bin" is a symbolic link to .*outside the model's folder/);
        assert.match(error.fix, /Copy the weight file/);
      } finally {
        await fs.rm(outside, { recursive: true, force: true });
      }
    });

    it('symlink inside the folder is accepted', async () => {
      const { modelFile, values } = await writeTinyModel(folder, {
        edit: (json) => {
          firstGroup(json).paths = ['linked.bin'];
        },
      });
      await fs.symlink(path.join(folder, 'weights.bin'), path.join(folder, 'linked.bin'));

      const loaded = await loadTfjsLayersModel(modelFile);
      try {
        const bias = loaded.model.getLayer('output').getWeights()[1].dataSync();
        assert.deepEqual(Array.from(bias), Array.from(values.subarray(24, 26)));
      } finally {
        loaded.model.dispose();
      }
    });

    it('resolveInsideFolder accepts .. that stays inside', async () => {
      await fs.mkdir(path.join(folder, 'sub'));
      await fs.writeFile(path.join(folder, 'weights.bin'), 'x');

      const resolved = await resolveInsideFolder('model.json', folder, 'sub/../weights.bin');

      assert.equal(resolved, path.join(folder, 'weights.bin'));
    });

    it('resolveInsideFolder rejects a non-string path', async () => {
      const error = await expectInputError(resolveInsideFolder('model.json', folder, 42), 'model.json');

      assert.match(error.problem, /is a number instead of a file name/);
    });
  });

  describe('shards', () => {
    it('missing shard is named', async () => {
      const { modelFile, shardFile } = await writeTinyModel(folder);
      await fs.rm(shardFile);

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /"weights\.bin" listed in weightsManifest was not found/);
      assert.match(error.fix, /Put the weight file beside the model file/);
    });

    it('truncated shard is rejected with byte counts', async () => {
      const { modelFile, shardFile } = await writeTinyModel(folder);
      await fs.truncate(shardFile, 100);

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /is truncated/);
      assert.match(error.problem, /need 104 bytes/);
      assert.match(error.problem, /weights\.bin \(100 bytes\)/);
    });

    it('too long shard is rejected', async () => {
      const { modelFile, shardFile } = await writeTinyModel(folder);
      await fs.appendFile(shardFile, Buffer.alloc(8));

      const error = await expectInputError(loadTfjsLayersModel(modelFile), modelFile);

      assert.match(error.problem, /is longer than the manifest says/);
      assert.match(error.problem, /hold 112/);
    });

    it('oversized model file is rejected', async () => {
      const { modelFile } = await writeTinyModel(folder);

      const error = await expectInputError(loadTfjsLayersModel(modelFile, { maxFileBytes: 100 }), modelFile);

      assert.match(error.problem, /model file is .* larger than the limit of 100 bytes/);
      assert.match(error.fix, /maximum model file size/);
    });

    it('oversized shard is rejected', async () => {
      const hiddenUnits = 400;
      const valueCount = 3 * hiddenUnits + hiddenUnits + hiddenUnits * 2 + 2;
      const { modelFile, shardFile } = await writeTinyModel(folder, {
        values: tinyWeightValues(valueCount),
        edit: (json) => {
          json.modelTopology = tinyTopology(hiddenUnits);
          const weights = firstGroup(json).weights;
          weights[0].shape = [3, hiddenUnits];
          weights[1].shape = [hiddenUnits];
          weights[2].shape = [hiddenUnits, 2];
        },
      });
      const modelBytes = (await fs.stat(modelFile)).size;
      const shardBytes = (await fs.stat(shardFile)).size;
      assert.ok(modelBytes < shardBytes, 'the test needs a shard larger than the model file');

      const error = await expectInputError(loadTfjsLayersModel(modelFile, { maxFileBytes: modelBytes }), shardFile);

      assert.match(error.problem, /weight file is .* larger than the limit/);
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
      await fs.writeFile(shardFile, bytes);

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

    it('assertWeightShape compares rank too', () => {
      assert.throws(() => assertWeightShape('m.json', 'dense', 'dense/bias', [10], [10, 1]), /shape \[10\], but .* shape \[10, 1\]/);
    });
  });
});

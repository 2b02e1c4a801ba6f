import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Creates a fresh temporary folder for one test; the caller removes it. */
export function makeTemporaryFolder(prefix = 'hessian-analysis-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Saves a tfjs layers model as `<name>.json` plus `<name>.weights.bin` in
 * `folder`, in the format TensorFlow.js writes, and returns the model file's
 * path. An optional training configuration goes into the JSON as tfjs writes it.
 */
export async function saveLayersModel(
  model: tf.LayersModel,
  folder: string,
  name: string,
  trainingConfig?: Record<string, unknown>,
): Promise<string> {
  const modelFile = path.join(folder, `${name}.json`);
  const weightsFile = `${name}.weights.bin`;

  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const json: Record<string, unknown> = {
        format: 'layers-model',
        generatedBy: 'hessian-spectrum tests',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs }],
      };
      if (trainingConfig !== undefined) {
        json.trainingConfig = trainingConfig;
      }
      fs.writeFileSync(modelFile, JSON.stringify(json));
      fs.writeFileSync(path.join(folder, weightsFile), Buffer.from(artifacts.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return modelFile;
}

/** Writes a little-endian float32 or int32 .npy file (format version 1.0). */
export function writeNpy(file: string, values: ArrayLike<number>, shape: number[], dtype: 'float32' | 'int32' = 'float32'): void {
  const descr = dtype === 'float32' ? '<f4' : '<i4';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';

  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const body = dtype === 'float32' ? Buffer.from(Float32Array.from(values).buffer) : Buffer.from(Int32Array.from(values).buffer);
  fs.writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]));
}

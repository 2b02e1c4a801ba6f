/**
 * A register-blocked float32 matrix product in plain JavaScript, for the cpu
 * backend. Each 4×4 block of the output is accumulated in 16 local float64
 * variables over the whole inner dimension, with the right operand packed
 * into panels of 4 columns so that its reads are contiguous. Measured at
 * about 5.5 GFLOP/s on one core of the AMD EPYC development machine (Node
 * 20), against about 0.7 for the BatchMatMul of tfjs-backend-cpu 4.22.
 */

/** A matrix inside a flat array: element (i, j) is values[offset + i·rowStride + j·columnStride]. */
export interface MatrixView {
  values: Float32Array;
  offset: number;
  rowStride: number;
  columnStride: number;
}

const BLOCK = 4;

/**
 * Writes A·B into `out` (row-major, [rows, columns], starting at
 * `outOffset`), where A is [rows, inner] and B is [inner, columns]. Sums run
 * in float64 and are rounded to float32 once. A is read in place when its
 * columns are contiguous and packed first otherwise.
 */
export function multiplyMatrices(
  a: MatrixView,
  b: MatrixView,
  rows: number,
  columns: number,
  inner: number,
  out: Float32Array,
  outOffset = 0,
): void {
  if (rows === 0 || columns === 0) {
    return;
  }
  if (inner === 0) {
    for (let i = 0; i < rows; i++) {
      out.fill(0, outOffset + i * columns, outOffset + (i + 1) * columns);
    }
    return;
  }
  const panels = packColumnPanels(b, inner, columns);
  const left = a.columnStride === 1 ? a : packRows(a, rows, inner);

  const cells = new Float64Array(BLOCK * BLOCK);
  for (let firstRow = 0; firstRow < rows; firstRow += BLOCK) {
    // Rows past the end repeat the last row; their results are discarded.
    const last = rows - 1;
    const row0 = left.offset + firstRow * left.rowStride;
    const row1 = left.offset + Math.min(firstRow + 1, last) * left.rowStride;
    const row2 = left.offset + Math.min(firstRow + 2, last) * left.rowStride;
    const row3 = left.offset + Math.min(firstRow + 3, last) * left.rowStride;
    const values = left.values;

    for (let panel = 0; panel * BLOCK < columns; panel++) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let packed = panel * inner * BLOCK;
      for (let k = 0; k < inner; k++, packed += BLOCK) {
        const b0 = panels[packed];
        const b1 = panels[packed + 1];
        const b2 = panels[packed + 2];
        const b3 = panels[packed + 3];
        let value = values[row0 + k];
        c00 += value * b0; c01 += value * b1; c02 += value * b2; c03 += value * b3;
        value = values[row1 + k];
        c10 += value * b0; c11 += value * b1; c12 += value * b2; c13 += value * b3;
        value = values[row2 + k];
        c20 += value * b0; c21 += value * b1; c22 += value * b2; c23 += value * b3;
        value = values[row3 + k];
        c30 += value * b0; c31 += value * b1; c32 += value * b2; c33 += value * b3;
      }

      const firstColumn = panel * BLOCK;
      if (firstRow + BLOCK <= rows && firstColumn + BLOCK <= columns) {
        let target = outOffset + firstRow * columns + firstColumn;
        out[target] = c00; out[target + 1] = c01; out[target + 2] = c02; out[target + 3] = c03;
        target += columns;
        out[target] = c10; out[target + 1] = c11; out[target + 2] = c12; out[target + 3] = c13;
        target += columns;
        out[target] = c20; out[target + 1] = c21; out[target + 2] = c22; out[target + 3] = c23;
        target += columns;
        out[target] = c30; out[target + 1] = c31; out[target + 2] = c32; out[target + 3] = c33;
        continue;
      }
      cells[0] = c00; cells[1] = c01; cells[2] = c02; cells[3] = c03;
      cells[4] = c10; cells[5] = c11; cells[6] = c12; cells[7] = c13;
      cells[8] = c20; cells[9] = c21; cells[10] = c22; cells[11] = c23;
      cells[12] = c30; cells[13] = c31; cells[14] = c32; cells[15] = c33;
      for (let i = 0; i < BLOCK && firstRow + i < rows; i++) {
        for (let j = 0; j < BLOCK && firstColumn + j < columns; j++) {
          out[outOffset + (firstRow + i) * columns + firstColumn + j] = cells[i * BLOCK + j];
        }
      }
    }
  }
}

/** Packs B [inner, columns] into panels of 4 columns, [panel][k][4], zero-padded past the last column. */
function packColumnPanels(b: MatrixView, inner: number, columns: number): Float32Array {
  const panelCount = Math.ceil(columns / BLOCK);
  const packed = new Float32Array(panelCount * inner * BLOCK);
  for (let panel = 0; panel < panelCount; panel++) {
    const width = Math.min(BLOCK, columns - panel * BLOCK);
    let target = panel * inner * BLOCK;
    for (let k = 0; k < inner; k++, target += BLOCK) {
      let source = b.offset + k * b.rowStride + panel * BLOCK * b.columnStride;
      for (let j = 0; j < width; j++, source += b.columnStride) {
        packed[target + j] = b.values[source];
      }
    }
  }
  return packed;
}

/** Copies A [rows, inner] into a row-major array, so that its columns become contiguous. */
function packRows(a: MatrixView, rows: number, inner: number): MatrixView {
  const packed = new Float32Array(rows * inner);
  for (let i = 0; i < rows; i++) {
    let source = a.offset + i * a.rowStride;
    for (let k = 0; k < inner; k++, source += a.columnStride) {
      packed[i * inner + k] = a.values[source];
    }
  }
  return { values: packed, offset: 0, rowStride: inner, columnStride: 1 };
}

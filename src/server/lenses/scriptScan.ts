/**
 * Finds, in a Python, JavaScript or TypeScript training script, the places that
 * name a layer (`Dense(64, name="fc1")`, `tf.layers.dense({units: 64, name: 'fc1'})`)
 * and that set a learning rate (`learning_rate=0.01`, `lr=1e-3`,
 * `learningRate: 0.1`). A line scan with regular expressions, not a parser: a
 * call split over several lines is found at the line of its `name` argument,
 * and a learning rate is found only where it is a number literal.
 */

/** A span on one line; `line` and the character offsets are zero-based. */
export interface LineSpan {
  line: number;
  startCharacter: number;
  endCharacter: number;
}

export interface LayerNameSite extends LineSpan {
  name: string;
}

export interface LearningRateSite extends LineSpan {
  /** The key as written: `learning_rate`, `lr` or `learningRate`. */
  key: string;
  value: number;
}

export interface ScriptSites {
  layerNames: LayerNameSite[];
  learningRates: LearningRateSite[];
}

const LAYER_NAME_PATTERN = /\bname\s*[=:]\s*(["'`])([^"'`\r\n]+)\1/g;
const LEARNING_RATE_PATTERN =
  /\b(learning_rate|learningRate|lr)\b["']?\s*(?:=(?!=)|:)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?![\w.])/g;
const COMMENT_LINE_PATTERN = /^\s*(#|\/\/|\*|\/\*)/;

/**
 * Lists the layer-name and learning-rate sites of a script. Lines that start
 * with a comment marker are skipped. Names are kept only when `isLayerName`
 * accepts them, so `name="run-3"` of a logger does not count.
 */
export function scanScript(text: string, isLayerName: (name: string) => boolean): ScriptSites {
  const layerNames: LayerNameSite[] = [];
  const learningRates: LearningRateSite[] = [];
  const lines = text.split(/\r?\n/);

  lines.forEach((lineText, line) => {
    if (COMMENT_LINE_PATTERN.test(lineText)) {
      return;
    }
    for (const match of lineText.matchAll(LAYER_NAME_PATTERN)) {
      const name = match[2];
      if (isLayerName(name)) {
        layerNames.push({ line, startCharacter: match.index, endCharacter: match.index + match[0].length, name });
      }
    }
    for (const match of lineText.matchAll(LEARNING_RATE_PATTERN)) {
      const value = Number(match[2]);
      if (Number.isFinite(value) && value > 0) {
        learningRates.push({ line, startCharacter: match.index, endCharacter: match.index + match[0].length, key: match[1], value });
      }
    }
  });

  return { layerNames, learningRates };
}

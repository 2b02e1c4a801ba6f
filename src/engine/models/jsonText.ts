/**
 * Strict JSON parsing for every JSON file that the engine reads: model.json
 * files, the configs inside Keras files, JSON data files and sidecars. It
 * bounds the nesting depth before any recursive code reads the text, and it
 * gives the line and column of a syntax error. It needs no TensorFlow.js, so
 * the language server's model-file check can use it.
 */
import * as jsonc from 'jsonc-parser';

/**
 * Deepest nesting of objects and arrays accepted in a JSON file.
 *
 * Code after the parser walks the value recursively: structuredClone and
 * JSON.stringify, TensorFlow.js's deserialization of layer configs, and
 * jsonc-parser's parser, which locates syntax errors. At 200,000 levels each of
 * them overflows the call stack. Real files stay far below this limit: the
 * real TensorFlow.js and Keras models of the tests nest at most 10 levels, and
 * a JSON data file in the {x, y} form at most 17 (an object around arrays of
 * up to 16 dimensions).
 */
export const MAX_JSON_DEPTH = 256;

/**
 * A JSON text that cannot be used. `message` is a predicate without a subject,
 * such as "is not valid JSON: comma expected at line 3, column 5", so that each
 * caller puts its own subject ("The file", "the sidecar") in front of it.
 */
export class JsonTextError extends Error {
  constructor(
    /** `syntax` for invalid JSON, `depth` for valid JSON nested deeper than the limit. */
    readonly kind: 'syntax' | 'depth',
    message: string,
  ) {
    super(message);
    this.name = 'JsonTextError';
  }
}

/**
 * Parses `text` as strict JSON: no comments, no trailing commas, and a leading
 * UTF-8 byte order mark is allowed. Throws a JsonTextError when the text nests
 * objects and arrays more than `maxDepth` levels deep, or when it is not valid
 * JSON, with the line and column of the first syntax error. Node 20's
 * JSON.parse messages do not give a line and column.
 */
export function parseStrictJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  const content = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;

  const tooDeepAt = findNestingDeeperThan(content, maxDepth);
  if (tooDeepAt >= 0) {
    const { line, column } = lineAndColumn(content, tooDeepAt);
    throw new JsonTextError(
      'depth',
      `nests objects and arrays more than ${maxDepth} levels deep (at line ${line}, column ${column})`,
    );
  }

  try {
    return JSON.parse(content);
  } catch (parseError) {
    throw new JsonTextError('syntax', `is not valid JSON: ${describeSyntaxError(content, parseError)}`);
  }
}

/**
 * Returns the offset of the first `{` or `[` that opens level `maxDepth + 1`,
 * or -1 when the text stays within `maxDepth` levels. Brackets inside strings
 * do not count. The scan is a loop, not a recursion, and it also works on
 * invalid JSON, so that it can protect jsonc-parser's recursive parser.
 */
function findNestingDeeperThan(text: string, maxDepth: number): number {
  const QUOTE = 0x22;
  const BACKSLASH = 0x5c;
  const OPEN_BRACE = 0x7b;
  const CLOSE_BRACE = 0x7d;
  const OPEN_BRACKET = 0x5b;
  const CLOSE_BRACKET = 0x5d;

  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) {
        i++;
      } else if (code === QUOTE) {
        inString = false;
      }
      continue;
    }
    if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth++;
      if (depth > maxDepth) {
        return i;
      }
    } else if ((code === CLOSE_BRACE || code === CLOSE_BRACKET) && depth > 0) {
      depth--;
    }
  }
  return -1;
}

/** Describes the first syntax error of `text` with its line and column, which jsonc-parser locates. */
function describeSyntaxError(text: string, parseError: unknown): string {
  const errors: jsonc.ParseError[] = [];
  jsonc.parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length === 0) {
    // JSON.parse rejected something that jsonc-parser accepts; its own message is the best there is.
    return parseError instanceof Error ? parseError.message : String(parseError);
  }
  const { line, column } = lineAndColumn(text, errors[0].offset);
  return `${describeJsonError(errors[0].error)} at line ${line}, column ${column}`;
}

function describeJsonError(code: jsonc.ParseErrorCode): string {
  switch (code) {
    case jsonc.ParseErrorCode.InvalidSymbol:
      return 'invalid symbol';
    case jsonc.ParseErrorCode.InvalidNumberFormat:
      return 'invalid number';
    case jsonc.ParseErrorCode.PropertyNameExpected:
      return 'property name expected';
    case jsonc.ParseErrorCode.ValueExpected:
      return 'value expected';
    case jsonc.ParseErrorCode.ColonExpected:
      return 'colon expected';
    case jsonc.ParseErrorCode.CommaExpected:
      return 'comma expected';
    case jsonc.ParseErrorCode.CloseBraceExpected:
      return 'closing brace expected';
    case jsonc.ParseErrorCode.CloseBracketExpected:
      return 'closing bracket expected';
    case jsonc.ParseErrorCode.EndOfFileExpected:
      return 'end of file expected';
    case jsonc.ParseErrorCode.InvalidCommentToken:
      return 'comments are not allowed in JSON';
    case jsonc.ParseErrorCode.UnexpectedEndOfComment:
    case jsonc.ParseErrorCode.UnexpectedEndOfString:
      return 'unexpected end of string';
    case jsonc.ParseErrorCode.UnexpectedEndOfNumber:
      return 'unexpected end of number';
    case jsonc.ParseErrorCode.InvalidUnicode:
      return 'invalid Unicode escape';
    case jsonc.ParseErrorCode.InvalidEscapeCharacter:
      return 'invalid escape character';
    case jsonc.ParseErrorCode.InvalidCharacter:
      return 'invalid character';
    default:
      return jsonc.printParseErrorCode(code);
  }
}

/** 1-based line and column of a character offset, as editors count them. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

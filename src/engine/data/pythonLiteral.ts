/**
 * Parser for the Python literal subset that .npy headers are written in: dicts,
 * tuples, lists, strings, integers, True, False and None. It only builds values
 * and never evaluates code, so a hostile header can at worst fail to parse.
 */

export type PythonValue =
  | string
  | number
  | boolean
  | null
  | { kind: 'tuple'; items: PythonValue[] }
  | PythonValue[]
  | Map<string, PythonValue>;

/** Error of a malformed literal; `offset` is the character position in the text. */
export class PythonLiteralError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'PythonLiteralError';
  }
}

/** Nesting deeper than this is rejected, so a crafted header cannot exhaust the stack. */
const MAX_DEPTH = 16;

/**
 * Parses `text` as one Python literal followed only by whitespace. Throws a
 * PythonLiteralError on anything else, including expressions and names other
 * than True, False and None.
 */
export function parsePythonLiteral(text: string): PythonValue {
  const parser = new LiteralParser(text);
  const value = parser.parseValue(0);
  parser.skipWhitespace();
  if (!parser.atEnd()) {
    throw new PythonLiteralError(`unexpected ${describeCharacter(text[parser.offset])} after the value`, parser.offset);
  }
  return value;
}

class LiteralParser {
  offset = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.offset >= this.text.length;
  }

  skipWhitespace(): void {
    while (!this.atEnd() && /\s/.test(this.text[this.offset])) {
      this.offset++;
    }
  }

  parseValue(depth: number): PythonValue {
    if (depth > MAX_DEPTH) {
      throw new PythonLiteralError(`nesting deeper than ${MAX_DEPTH} levels`, this.offset);
    }
    this.skipWhitespace();
    if (this.atEnd()) {
      throw new PythonLiteralError('unexpected end of text', this.offset);
    }

    const character = this.text[this.offset];
    if (character === '{') {
      return this.parseDict(depth);
    }
    if (character === '(') {
      return { kind: 'tuple', items: this.parseSequence(depth, ')') };
    }
    if (character === '[') {
      return this.parseSequence(depth, ']');
    }
    if (character === "'" || character === '"') {
      return this.parseString();
    }
    if (/[-+0-9]/.test(character)) {
      return this.parseInteger();
    }
    return this.parseName();
  }

  private parseDict(depth: number): Map<string, PythonValue> {
    const entries = new Map<string, PythonValue>();
    this.offset++;

    for (;;) {
      this.skipWhitespace();
      if (this.peek() === '}') {
        this.offset++;
        return entries;
      }

      const keyOffset = this.offset;
      const key = this.parseValue(depth + 1);
      if (typeof key !== 'string') {
        throw new PythonLiteralError('dict keys must be strings', keyOffset);
      }
      if (entries.has(key)) {
        throw new PythonLiteralError(`duplicate key '${key}'`, keyOffset);
      }
      this.skipWhitespace();
      this.expect(':');
      entries.set(key, this.parseValue(depth + 1));

      this.skipWhitespace();
      if (this.peek() === ',') {
        this.offset++;
      } else if (this.peek() !== '}') {
        throw new PythonLiteralError(`expected ',' or '}' but found ${describeCharacter(this.peek())}`, this.offset);
      }
    }
  }

  private parseSequence(depth: number, closing: ')' | ']'): PythonValue[] {
    const items: PythonValue[] = [];
    this.offset++;

    for (;;) {
      this.skipWhitespace();
      if (this.peek() === closing) {
        this.offset++;
        return items;
      }

      items.push(this.parseValue(depth + 1));

      this.skipWhitespace();
      if (this.peek() === ',') {
        this.offset++;
      } else if (this.peek() !== closing) {
        throw new PythonLiteralError(`expected ',' or '${closing}' but found ${describeCharacter(this.peek())}`, this.offset);
      }
    }
  }

  private parseString(): string {
    const quote = this.text[this.offset];
    const start = this.offset;
    let value = '';
    this.offset++;

    while (!this.atEnd()) {
      const character = this.text[this.offset++];
      if (character === quote) {
        return value;
      }
      if (character === '\n') {
        break;
      }
      if (character !== '\\') {
        value += character;
        continue;
      }

      const escaped = this.text[this.offset++];
      const simpleEscapes: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', '0': '\0' };
      if (escaped === undefined || !Object.hasOwn(simpleEscapes, escaped)) {
        throw new PythonLiteralError(`unsupported escape sequence \\${escaped ?? ''}`, this.offset - 2);
      }
      value += simpleEscapes[escaped];
    }
    throw new PythonLiteralError('unterminated string', start);
  }

  // Python 2 wrote long integers with an `L` suffix (`(1000L, 784L)`); numpy still reads them.
  private parseInteger(): number {
    const match = /^[-+]?\d+L?/.exec(this.text.slice(this.offset, this.offset + 40));
    if (!match) {
      throw new PythonLiteralError('invalid integer', this.offset);
    }
    const next = this.text[this.offset + match[0].length] ?? '';
    if (/\d/.test(next)) {
      throw new PythonLiteralError('integer longer than 40 characters', this.offset);
    }
    if (/[.eExXjJ_]/.test(next)) {
      throw new PythonLiteralError('only integers are allowed here', this.offset);
    }
    this.offset += match[0].length;
    return Number(match[0].replace('L', ''));
  }

  private parseName(): boolean | null {
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.offset, this.offset + 40));
    if (!match) {
      throw new PythonLiteralError(`unexpected ${describeCharacter(this.peek())}`, this.offset);
    }
    const names: Record<string, boolean | null> = { True: true, False: false, None: null };
    if (!Object.hasOwn(names, match[0])) {
      throw new PythonLiteralError(`unexpected name '${match[0]}' (only True, False and None are allowed)`, this.offset);
    }
    this.offset += match[0].length;
    return names[match[0]];
  }

  private peek(): string | undefined {
    return this.text[this.offset];
  }

  private expect(character: string): void {
    if (this.peek() !== character) {
      throw new PythonLiteralError(`expected '${character}' but found ${describeCharacter(this.peek())}`, this.offset);
    }
    this.offset++;
  }
}

function describeCharacter(character: string | undefined): string {
  return character === undefined ? 'the end of the text' : JSON.stringify(character);
}

import { isUtf8 } from 'node:buffer';
import { MalformedBodyError, RequestValidationError } from './problem';
import { MAX_PAYLOAD_DEPTH } from './storable-json';

/**
 * How deep a request body may be: a record's payload may be MAX_PAYLOAD_DEPTH levels deep
 * (CONTRACT.md), and it is one level inside the body. Nothing the service accepts is deeper,
 * so a deeper body is refused while it is read, before anything walks it recursively
 * (the framework's prototype-key stripping, class-transformer, the idempotency fingerprint).
 */
export const MAX_BODY_DEPTH = MAX_PAYLOAD_DEPTH + 1;

/**
 * Where a body holds its payloads: at the top (`{"payload"}`: one level inside), or in the
 * items of an array (`{"records": [{"payload"}]}`: a batch, three levels inside). The depth
 * allowed is the payload's limit below that place, and a payload too deep is named by its
 * place (`payload`, `records[3].payload`).
 */
export type PayloadPlace = 'top' | 'items';

const PLACE_DEPTH: Record<PayloadPlace, number> = { top: 1, items: 3 };

export const NOT_JSON = 'Request body is not valid JSON';
export const NOT_UTF8 = 'Request body is not valid UTF-8';

/**
 * True when a Content-Type declares no charset, or UTF-8 (the only encoding of JSON
 * exchanged between systems, RFC 8259 section 8.1).
 */
export function isUtf8ContentType(header: string | undefined): boolean {
  if (header === undefined) return true;
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(header);
  return charset === null || /^utf-?8$/i.test(charset[1]);
}

/**
 * Reads a JSON request body exactly, in one pass, and refuses (rather than silently
 * changes) what JSON.parse would accept but not keep:
 * - bytes that are not UTF-8 (JSON.parse of a decoded buffer would store U+FFFD): 400;
 * - nesting deeper than MAX_BODY_DEPTH: 400 ValidationError naming the field;
 * - a number that a double cannot hold exactly (12345678901234567890, 9007199254740993,
 *   1e-400, 1e400): 400 ValidationError naming the field (`payload.amount`);
 * - a number beyond NUMBER_RANGE (1e308, 1e-300): PostgreSQL stores numbers as numeric
 *   and prints them in full, so 5 bytes sent would be read back as 309 digits on every
 *   read: 400 ValidationError naming the field;
 * - anything else that is not JSON: 400 "Request body is not valid JSON", never the
 *   parser's message, which would echo fragments of the body.
 * Objects are built as JSON.parse builds them: `__proto__` is an own key like any other,
 * and the last of duplicate keys wins. An empty body is `{}`; a UTF-8 BOM is skipped.
 */
export function parseJsonBody(raw: Buffer | string, place: PayloadPlace = 'top'): unknown {
  let text: string;
  if (typeof raw === 'string') {
    text = raw;
  } else {
    if (!isUtf8(raw)) throw new MalformedBodyError(NOT_UTF8);
    text = raw.toString('utf8');
  }
  if (text.length === 0) return {};
  return new JsonReader(text, PLACE_DEPTH[place]).document();
}

/**
 * The numbers a body may hold: 0, or a magnitude from 1e-20 up to (not including) 1e21,
 * i.e. a decimal exponent within +-20. Printed in full (as PostgreSQL prints jsonb), such
 * a number has at most 38 characters.
 */
export const NUMBER_RANGE = { smallest: 1e-20, beyond: 1e21 } as const;

const inRange = (value: number): boolean => {
  const magnitude = Math.abs(value);
  return magnitude === 0 || (magnitude >= NUMBER_RANGE.smallest && magnitude < NUMBER_RANGE.beyond);
};

type Segment = string | number;

/** `payload.items[1].n`, as storable-json names places in a payload. */
function fieldName(path: readonly Segment[]): string {
  let name = '';
  for (const segment of path) {
    name += typeof segment === 'number' ? `[${segment}]` : name ? `.${segment}` : segment;
  }
  return name;
}

// Character codes.
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const UPPER_E = 0x45;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const LOWER_E = 0x65;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const BOM = 0xfeff;

const isDigit = (code: number): boolean => code >= ZERO && code <= NINE;

const ESCAPES: Partial<Record<number, string>> = {
  [QUOTE]: '"',
  [BACKSLASH]: '\\',
  0x2f: '/',
  0x62: '\b',
  0x66: '\f',
  0x6e: '\n',
  0x72: '\r',
  0x74: '\t',
};

/**
 * The value a decimal literal denotes, as (sign, significant digits, exponent) with no
 * leading or trailing zeros: "1.50e2" and "150" both give ("+", "15", 1). Zero is ("+", "", 0).
 */
function decimal(literal: string): string {
  const match = /^(-?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(literal)!;
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  const digits = whole + fraction;
  const first = digits.search(/[1-9]/);
  if (first === -1) return '0';
  let last = digits.length;
  while (digits.charCodeAt(last - 1) === ZERO) last--;
  // The exponent of the last significant digit.
  const scale = Number(exponent) - fraction.length + (digits.length - last);
  return `${sign}${digits.slice(first, last)}e${scale}`;
}

/**
 * True when the double nearest to `literal` prints back as the same decimal value, so
 * the number is stored and returned as the client sent it (1.50 as 1.5, 1e2 as 100).
 */
function keepsExactly(literal: string, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  // A short integer or a short plain decimal always survives (the common case, decided fast).
  if (literal.length <= 15 && !/[eE]/.test(literal)) return true;
  return decimal(literal) === decimal(String(value));
}

/** A recursive-descent reader; recursion is bounded by MAX_BODY_DEPTH. */
class JsonReader {
  private at = 0;
  private readonly path: Segment[] = [];
  private readonly maxDepth: number;

  /** `payloadAt`: how many levels inside the body a payload is (see PayloadPlace). */
  constructor(
    private readonly text: string,
    private readonly payloadAt: number,
  ) {
    this.maxDepth = MAX_PAYLOAD_DEPTH + payloadAt;
    if (text.charCodeAt(0) === BOM) this.at = 1;
  }

  document(): unknown {
    const value = this.value(1);
    this.skipWhitespace();
    if (this.at !== this.text.length) this.malformed();
    return value;
  }

  private malformed(): never {
    throw new MalformedBodyError(NOT_JSON);
  }

  private skipWhitespace(): void {
    const { text } = this;
    for (;;) {
      const code = text.charCodeAt(this.at);
      if (code !== SPACE && code !== LF && code !== CR && code !== TAB) return;
      this.at++;
    }
  }

  private value(depth: number): unknown {
    this.skipWhitespace();
    const code = this.text.charCodeAt(this.at);
    switch (code) {
      case OPEN_BRACE:
        return this.object(depth);
      case OPEN_BRACKET:
        return this.array(depth);
      case QUOTE:
        return this.string();
      case 0x74: // t
        return this.word('true', true);
      case 0x66: // f
        return this.word('false', false);
      case 0x6e: // n
        return this.word('null', null);
      default:
        if (code === MINUS || isDigit(code)) return this.number();
        return this.malformed();
    }
  }

  private tooDeep(): never {
    // The place of the payload that is too deep (`payload`, `records[3].payload`), when
    // the path starts with a key; else the body as a whole.
    const head = this.path.slice(0, this.payloadAt);
    const field =
      head.length === this.payloadAt && typeof head[0] === 'string' ? fieldName(head) : 'body';
    const message =
      field === 'body'
        ? `request body must be at most ${this.maxDepth} levels deep`
        : `${field} must be at most ${MAX_PAYLOAD_DEPTH} levels deep`;
    throw new RequestValidationError([{ field, message }]);
  }

  private object(depth: number): Record<string, unknown> {
    if (depth > this.maxDepth) this.tooDeep();
    this.at++;
    const object: Record<string, unknown> = {};
    this.skipWhitespace();
    if (this.text.charCodeAt(this.at) === CLOSE_BRACE) {
      this.at++;
      return object;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text.charCodeAt(this.at) !== QUOTE) this.malformed();
      const key = this.string();
      this.skipWhitespace();
      if (this.text.charCodeAt(this.at) !== COLON) this.malformed();
      this.at++;
      this.path.push(key);
      const child = this.value(depth + 1);
      this.path.pop();
      if (key === '__proto__') {
        // As JSON.parse does: an own key, never the object's prototype.
        Object.defineProperty(object, key, {
          value: child,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      } else {
        object[key] = child;
      }
      this.skipWhitespace();
      const next = this.text.charCodeAt(this.at++);
      if (next === CLOSE_BRACE) return object;
      if (next !== COMMA) this.malformed();
    }
  }

  private array(depth: number): unknown[] {
    if (depth > this.maxDepth) this.tooDeep();
    this.at++;
    const array: unknown[] = [];
    this.skipWhitespace();
    if (this.text.charCodeAt(this.at) === CLOSE_BRACKET) {
      this.at++;
      return array;
    }
    for (;;) {
      this.path.push(array.length);
      array.push(this.value(depth + 1));
      this.path.pop();
      this.skipWhitespace();
      const next = this.text.charCodeAt(this.at++);
      if (next === CLOSE_BRACKET) return array;
      if (next !== COMMA) this.malformed();
    }
  }

  private word<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.at)) this.malformed();
    this.at += word.length;
    return value;
  }

  private string(): string {
    const { text } = this;
    const start = ++this.at;
    // Fast path: no escape before the closing quote.
    for (;;) {
      const code = text.charCodeAt(this.at);
      if (code === QUOTE) return text.slice(start, this.at++);
      if (code === BACKSLASH) break;
      if (code < SPACE || Number.isNaN(code)) this.malformed();
      this.at++;
    }
    let result = text.slice(start, this.at);
    let chunk = this.at;
    for (;;) {
      const code = text.charCodeAt(this.at);
      if (code === QUOTE) {
        result += text.slice(chunk, this.at++);
        return result;
      }
      if (code === BACKSLASH) {
        result += text.slice(chunk, this.at);
        const escape = text.charCodeAt(this.at + 1);
        if (escape === 0x75) {
          const hex = text.slice(this.at + 2, this.at + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.malformed();
          result += String.fromCharCode(parseInt(hex, 16));
          this.at += 6;
        } else {
          const decoded = ESCAPES[escape];
          if (decoded === undefined) this.malformed();
          result += decoded;
          this.at += 2;
        }
        chunk = this.at;
        continue;
      }
      if (code < SPACE || Number.isNaN(code)) this.malformed();
      this.at++;
    }
  }

  private digits(): void {
    const start = this.at;
    while (isDigit(this.text.charCodeAt(this.at))) this.at++;
    if (this.at === start) this.malformed();
  }

  private number(): number {
    const { text } = this;
    const start = this.at;
    if (text.charCodeAt(this.at) === MINUS) this.at++;
    if (text.charCodeAt(this.at) === ZERO) {
      this.at++;
    } else {
      this.digits();
    }
    if (text.charCodeAt(this.at) === DOT) {
      this.at++;
      this.digits();
    }
    const e = text.charCodeAt(this.at);
    if (e === LOWER_E || e === UPPER_E) {
      this.at++;
      const sign = text.charCodeAt(this.at);
      if (sign === PLUS || sign === MINUS) this.at++;
      this.digits();
    }
    const literal = text.slice(start, this.at);
    const value = Number(literal);
    if (!keepsExactly(literal, value)) {
      // The number itself is not echoed: it may be a card or account number.
      this.refuseNumber('is a number that cannot be kept exactly; send it as a string');
    }
    if (!inRange(value)) {
      this.refuseNumber(
        'is a number out of range (0, or a magnitude from 1e-20 up to 1e21); send it as a string',
      );
    }
    return value;
  }

  private refuseNumber(problem: string): never {
    const field = fieldName(this.path) || 'body';
    throw new RequestValidationError([{ field, message: `${field} ${problem}` }]);
  }
}

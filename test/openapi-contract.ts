import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import OpenAPIBackend, { type Document, type Operation } from 'openapi-backend';
import request from 'supertest';

/** One answer of the app under test, as the client received it. */
export interface Exchange {
  method: string;
  path: string;
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

/**
 * The Swagger UI (its page at /docs loads its assets relative to it, so from the root),
 * the document itself and the operations console (a page and its assets) are served
 * beside the API, not described by it.
 */
const UNDESCRIBED =
  /^\/(?:docs(?:-json|\/|$)|console(?:\/|$)|swagger-ui[\w.-]*\.(?:css|js)$|favicon-\d+x\d+\.png$)/;

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

/**
 * Records every response the HTTP server sends (listening before the app does, so even
 * an answer written synchronously is seen), whatever the adapter behind it.
 */
function recordExchanges(server: Server): Exchange[] {
  const exchanges: Exchange[] = [];
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      chunks.push(
        Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(
              chunk as string,
              typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
            ),
      );
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.write = ((...args: unknown[]) => {
      keep(args[0], args[1]);
      return write(...args);
    }) as ServerResponse['write'];
    res.end = ((...args: unknown[]) => {
      keep(args[0], args[1]);
      return end(...args);
    }) as ServerResponse['end'];
    res.once('finish', () => {
      exchanges.push({
        method: String(req.method),
        path: String(req.url).split('?')[0],
        status: res.statusCode,
        headers: res.getHeaders(),
        body: Buffer.concat(chunks),
      });
    });
  });
  return exchanges;
}

type Schema = Record<string, unknown>;

/** Where strictCopy keeps the media types a response was documented with. */
const MEDIA_TYPES = 'x-documented-media-types';

/**
 * A copy of the document for checking answers strictly: an object schema that lists its
 * properties allows no others (so a field the document does not describe fails), and each
 * response's JSON media type (application/json or application/problem+json) is also put
 * where openapi-backend's validator reads response schemas, under application/json.
 */
function strictCopy(document: Document): Document {
  const copy = structuredClone(document) as unknown as Schema;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const schema = node as Schema;
    if (
      schema.type === 'object' &&
      schema.properties &&
      schema.additionalProperties === undefined
    ) {
      schema.additionalProperties = false;
    }
    if (schema.content && typeof schema.content === 'object' && 'description' in schema) {
      const content = schema.content as Record<string, unknown>;
      schema[MEDIA_TYPES] = Object.keys(content);
      const json = Object.keys(content).find((type) => JSON_MEDIA_TYPE.test(type));
      if (json && !content['application/json']) content['application/json'] = content[json];
    }
    Object.values(schema).forEach(visit);
  };
  visit(copy);
  return copy as unknown as Document;
}

interface ResponseDoc {
  [MEDIA_TYPES]?: string[];
  headers?: Record<string, { required?: boolean }>;
}

export class Contract {
  private problemSchema?: ValidateFunction;

  private constructor(
    private readonly document: Document,
    private readonly api: OpenAPIBackend,
  ) {}

  static async load(document: Document): Promise<Contract> {
    const api = new OpenAPIBackend({
      definition: strictCopy(document),
      strict: true,
      validate: true,
      quick: false,
      customizeAjv: (ajv) => {
        addFormats(ajv);
        return ajv;
      },
    });
    await api.init();
    return new Contract(document, api);
  }

  /** What is wrong with one answer (nothing, when the document describes it). */
  check(exchange: Exchange): string[] {
    const { method, path, status } = exchange;
    // HEAD is GET without a body.
    const asMethod = method === 'HEAD' ? 'get' : method.toLowerCase();
    const match = this.match(asMethod, path);
    if (typeof match === 'string') return this.checkUnrouted(exchange, match);

    const operation = match;
    const response = operation.responses?.[String(status)] as ResponseDoc | undefined;
    if (!response)
      return [`${status} is not a documented answer of ${operation.method} ${operation.path}`];
    const problems: string[] = [];
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      if (header.required && exchange.headers[name.toLowerCase()] === undefined) {
        problems.push(`the ${status} answer lacks its documented header ${name}`);
      }
    }
    const headers = this.api.validator.validateResponseHeaders(
      Object.fromEntries(
        Object.entries(exchange.headers).map(([name, value]) => [name, String(value)]),
      ),
      operation,
      { statusCode: status, setMatchType: 'any' as never },
    );
    for (const error of headers.errors ?? []) {
      problems.push(`header ${error.instancePath} ${error.message}`);
    }

    const mediaType = String(exchange.headers['content-type'] ?? '')
      .split(';')[0]
      .trim();
    const declared = response[MEDIA_TYPES] ?? [];
    if (method === 'HEAD' || exchange.body.length === 0) {
      if (method !== 'HEAD' && declared.length > 0)
        problems.push(`the ${status} answer has no body`);
      return problems;
    }
    if (!declared.includes(mediaType)) {
      return [
        ...problems,
        `Content-Type ${mediaType || '(none)'} is not one of [${declared.join(', ')}]`,
      ];
    }
    if (!JSON_MEDIA_TYPE.test(mediaType)) return problems;
    let body: unknown;
    try {
      body = JSON.parse(exchange.body.toString('utf8'));
    } catch {
      return [...problems, `the ${mediaType} body is not JSON`];
    }
    const result = this.api.validator.validateResponse(body, operation, status);
    for (const error of result.errors ?? []) {
      problems.push(`body${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`);
    }
    return problems;
  }

  /** Matched as the app routes: case-insensitive, with or without a trailing slash. */
  private match(method: string, path: string): Operation | '404' | '405' {
    let outcome: Operation | '404' | '405' = '404';
    for (const candidate of [path, path.toLowerCase()]) {
      try {
        return this.api.router.matchOperation({ method, path: candidate, headers: {} }, true);
      } catch (error) {
        if (String(error).includes('405')) outcome = '405';
      }
    }
    return outcome;
  }

  /**
   * A path the document does not list is 404; a method it does not list there is 405;
   * either may be 429 first, since the rate limit covers unknown paths too.
   */
  private checkUnrouted(exchange: Exchange, expected: '404' | '405'): string[] {
    const { method, path, status } = exchange;
    if (String(status) !== expected && String(status) !== '429') {
      return [`${method} ${path} is not in the document, so it must be ${expected}, not ${status}`];
    }
    const problems: string[] = [];
    if (exchange.headers['x-request-id'] === undefined) problems.push('no X-Request-ID');
    if (expected === '405') {
      const item = this.pathItem(path);
      const allowed = ['get', 'post', 'put', 'patch', 'delete'].filter((verb) => item?.[verb]);
      if (allowed.includes('get')) allowed.push('head');
      const expectedAllow = allowed
        .map((verb) => verb.toUpperCase())
        .sort()
        .join(', ');
      if (exchange.headers.allow !== expectedAllow) {
        problems.push(
          `Allow is ${String(exchange.headers.allow)}, the document says ${expectedAllow}`,
        );
      }
    }
    if (method !== 'HEAD') {
      const problemSchema = (this.problemSchema ??= this.api.validator
        .getAjv('responseValidator' as never)
        .compile(
          (this.api.definition.components as { schemas: Record<string, Schema> }).schemas
            .ProblemDoc,
        ));
      let body: unknown;
      try {
        body = JSON.parse(exchange.body.toString('utf8'));
      } catch {
        body = undefined;
      }
      if (!problemSchema(body))
        problems.push(`not a problem document: ${JSON.stringify(problemSchema.errors)}`);
      if (!String(exchange.headers['content-type']).startsWith('application/problem+json')) {
        problems.push(`Content-Type ${String(exchange.headers['content-type'])}`);
      }
    }
    return problems;
  }

  private pathItem(path: string): Record<string, unknown> | undefined {
    for (const [template, item] of Object.entries(this.document.paths ?? {})) {
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`, 'i');
      if (pattern.test(path)) return item;
    }
    return undefined;
  }
}

const recorders: { contract: Contract; exchanges: Exchange[] }[] = [];

/**
 * Called by startTestApp: from now on every answer of this app is recorded, to be checked
 * against the OpenAPI document the app serves (status, documented headers, media type,
 * body) after each test (test/openapi-contract.setup.ts).
 */
export async function checkAnswersAgainstOpenApi(server: Server): Promise<void> {
  const { body } = await request(server).get('/docs-json').expect(200);
  recorders.push({
    contract: await Contract.load(body as Document),
    exchanges: recordExchanges(server),
  });
}

/** Throws, listing every answer given since the last call that the document does not describe. */
export function assertAnswersDescribed(): void {
  const failures = recorders.flatMap(({ contract, exchanges }) =>
    exchanges
      .splice(0)
      .filter((exchange) => !UNDESCRIBED.test(exchange.path))
      .flatMap((exchange) =>
        contract
          .check(exchange)
          .map(
            (problem) => `${exchange.method} ${exchange.path} -> ${exchange.status}: ${problem}`,
          ),
      ),
  );
  if (failures.length > 0) {
    const shown = failures.slice(0, 10).join('\n');
    const more = failures.length > 10 ? `\n... and ${failures.length - 10} more` : '';
    throw new Error(`answers the OpenAPI document does not describe:\n${shown}${more}`);
  }
}

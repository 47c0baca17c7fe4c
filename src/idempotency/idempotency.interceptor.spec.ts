import { CallHandler, Controller, HttpCode, Post } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import { lastValueFrom, Observable, of, throwError } from 'rxjs';
import { aRequest, fakeHttp, FakeRequest } from '../../test/unit/fake-http';
import {
  IdempotencyKeyReusedError,
  InvalidTransitionError,
  RequestInFlightError,
} from '../common/domain-errors';
import type { ContextRequest } from '../common/request-context.decorator';
import { problemTypeUri, RequestValidationError } from '../common/problem';
import type { Environment } from '../config/environment';
import type { Transaction } from '../database/database';
import type { Claim } from './idempotency-keys.repository';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import type { ClaimOutcome, IdempotencyService } from './idempotency.service';

/**
 * The service's contract, kept in memory: a key is claimed once per scope; its stored
 * response is replayed to the same body, refused for another body (422) or while in
 * flight (409); a released claim is forgotten; a claim that is not ours cannot complete.
 */
class InMemoryIdempotency implements Pick<IdempotencyService, 'claim' | 'complete' | 'release'> {
  private readonly rows = new Map<
    string,
    { fingerprint: string; claim: string; status?: number; body?: string; tx?: Transaction }
  >();
  private claims = 0;
  failStoring = false;

  stored(scope: string, key: string) {
    return this.rows.get(`${scope}\n${key}`);
  }

  /** What is stored for `key`, whatever its scope. */
  storedFor(key: string) {
    return [...this.rows].find(([id]) => id.endsWith(`\n${key}`))?.[1];
  }

  claim(scope: string, key: string, fingerprint: string): Promise<ClaimOutcome> {
    const row = this.stored(scope, key);
    if (!row) {
      const claim = { scope, key, claim: `claim-${++this.claims}` };
      this.rows.set(`${scope}\n${key}`, { fingerprint, claim: claim.claim });
      return Promise.resolve({ kind: 'claimed', claim });
    }
    if (row.fingerprint !== fingerprint) return Promise.reject(new IdempotencyKeyReusedError());
    if (row.status === undefined || row.body === undefined) {
      return Promise.reject(new RequestInFlightError(1));
    }
    return Promise.resolve({ kind: 'replay', status: row.status, body: row.body });
  }

  complete(claim: Claim, status: number, body: string, tx?: Transaction): Promise<void> {
    const row = this.stored(claim.scope, claim.key);
    if (this.failStoring) return Promise.reject(new Error('connection terminated'));
    if (row?.claim !== claim.claim) return Promise.reject(new RequestInFlightError(1));
    Object.assign(row, { status, body, tx });
    return Promise.resolve();
  }

  release(claim: Claim): Promise<void> {
    const row = this.stored(claim.scope, claim.key);
    if (row?.claim === claim.claim && row.status === undefined) {
      this.rows.delete(`${claim.scope}\n${claim.key}`);
    }
    return Promise.resolve();
  }
}

@Controller('records')
class RecordsRoutes {
  @Post()
  create(): void {}

  @Post(':id/process')
  @HttpCode(200)
  process(): void {}
}

const RECORD_ID = '550e8400-e29b-41d4-a716-446655440000';
const CREATED = { id: RECORD_ID, status: 'pending', payload: { amount: 99.99 } };

/** A route handler that counts its runs: a replay must not run it. */
function handlerOf(answer: () => Observable<unknown>) {
  const handler = { runs: 0, handle: () => (handler.runs++, answer()) };
  return handler as CallHandler & { runs: number };
}

describe('IdempotencyInterceptor', () => {
  let service: InMemoryIdempotency;
  let apiKeys: string[];

  beforeEach(() => {
    service = new InMemoryIdempotency();
    apiKeys = [];
  });

  /** One request through the interceptor, as Nest runs it; what the client would get. */
  async function send(
    request: FakeRequest,
    handler: CallHandler,
    route: 'create' | 'process' = 'create',
  ) {
    const http = fakeHttp(request, RecordsRoutes.prototype[route], RecordsRoutes);
    const config = { get: () => apiKeys } as unknown as ConfigService<Environment, true>;
    const interceptor = new IdempotencyInterceptor(
      service as unknown as IdempotencyService,
      http.adapterHost,
      config,
    );
    const body = await lastValueFrom(interceptor.intercept(http.context, handler));
    return { body, status: http.response.statusCode, headers: http.response.getHeaders() };
  }

  const withKey = (key: string, overrides: Partial<FakeRequest> = {}) =>
    aRequest({ headers: { 'idempotency-key': key }, body: { source: 'api' }, ...overrides });

  it('runs a first request, sends its JSON and stores exactly what it sent', async () => {
    const handler = handlerOf(() => of(CREATED));
    const first = await send(withKey('k1'), handler);
    expect(first.body).toBe(JSON.stringify(CREATED));
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(handler.runs).toBe(1);
  });

  it('replays a repeat: the same bytes, status 201, Location, Idempotent-Replayed, no second run', async () => {
    const handler = handlerOf(() => of(CREATED));
    const first = await send(withKey('k1', { id: 'req_first' }), handler);
    const again = await send(withKey('k1', { id: 'req_again' }), handler);
    expect(handler.runs).toBe(1);
    expect(again).toEqual({
      body: first.body,
      status: 201,
      headers: {
        'idempotent-replayed': 'true',
        'content-type': 'application/json; charset=utf-8',
        location: `/records/${RECORD_ID}`,
      },
    });
  });

  it("replays a route's own status (200 for process), without Location", async () => {
    const processed = { id: RECORD_ID, status: 'processed' };
    const handler = handlerOf(() => of(processed));
    const request = () =>
      withKey('k1', { url: `/records/${RECORD_ID}/process`, params: { id: RECORD_ID } });
    await send(request(), handler, 'process');
    const again = await send(request(), handler, 'process');
    expect(handler.runs).toBe(1);
    expect(again.status).toBe(200);
    expect(again.body).toBe(JSON.stringify(processed));
    expect(again.headers.location).toBeUndefined();
  });

  it('treats a key quoted as a structured-field string as the bare key', async () => {
    const handler = handlerOf(() => of(CREATED));
    await send(withKey('"k1"'), handler);
    expect((await send(withKey('k1'), handler)).headers['idempotent-replayed']).toBe('true');
    expect(handler.runs).toBe(1);
  });

  it('names one resource whatever the case of its id', async () => {
    const handler = handlerOf(() => of({ id: RECORD_ID, status: 'processed' }));
    const upper = RECORD_ID.toUpperCase();
    await send(
      withKey('k1', { url: `/records/${upper}/process`, params: { id: upper } }),
      handler,
      'process',
    );
    const again = await send(
      withKey('k1', { url: `/records/${RECORD_ID}/process`, params: { id: RECORD_ID } }),
      handler,
      'process',
    );
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(handler.runs).toBe(1);
  });

  it('keeps keys of different records apart', async () => {
    const handler = handlerOf(() => of({ status: 'processed' }));
    const other = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    await send(withKey('k1', { params: { id: RECORD_ID } }), handler, 'process');
    const second = await send(withKey('k1', { params: { id: other } }), handler, 'process');
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(handler.runs).toBe(2);
  });

  it('keeps the keys of different API keys apart when keys are configured', async () => {
    apiKeys = ['key-a', 'key-b'];
    const handler = handlerOf(() => of(CREATED));
    await send(
      withKey('k1', { headers: { 'idempotency-key': 'k1', 'x-api-key': 'key-a' } }),
      handler,
    );
    const other = await send(
      withKey('k1', { headers: { 'idempotency-key': 'k1', 'x-api-key': 'key-b' } }),
      handler,
    );
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    const same = await send(
      withKey('k1', { headers: { 'idempotency-key': 'k1', authorization: 'Bearer key-a' } }),
      handler,
    );
    expect(same.headers['idempotent-replayed']).toBe('true');
    expect(handler.runs).toBe(2);
  });

  it('ignores an X-API-Key header when no keys are configured', async () => {
    const handler = handlerOf(() => of(CREATED));
    await send(
      withKey('k1', { headers: { 'idempotency-key': 'k1', 'x-api-key': 'anything' } }),
      handler,
    );
    const again = await send(withKey('k1'), handler);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(handler.runs).toBe(1);
  });

  it('refuses the same key with another body (422), running nothing', async () => {
    const handler = handlerOf(() => of(CREATED));
    await send(withKey('k1', { body: { source: 'api' } }), handler);
    await expect(send(withKey('k1', { body: { source: 'web' } }), handler)).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
    expect(handler.runs).toBe(1);
  });

  it('stores a 4xx and replays it as a problem naming the replaying request', async () => {
    const handler = handlerOf(() =>
      throwError(() => new InvalidTransitionError('Record already processed')),
    );
    const request = (id: string) =>
      withKey('k1', { id, url: `/records/${RECORD_ID}/process`, params: { id: RECORD_ID } });
    await expect(send(request('req_first'), handler, 'process')).rejects.toBeInstanceOf(
      InvalidTransitionError,
    );
    const again = await send(request('req_again'), handler, 'process');
    expect(handler.runs).toBe(1);
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toBe('application/problem+json');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(JSON.parse(String(again.body))).toEqual({
      type: problemTypeUri('invalid-transition'),
      title: 'Invalid state transition',
      status: 409,
      detail: 'Record already processed',
      instance: `/records/${RECORD_ID}/process`,
      error: 'Conflict',
      message: 'Record already processed',
      request_id: 'req_again',
    });
  });

  it('stores no 5xx: the claim is released and a retry runs again', async () => {
    let fail = true;
    const handler = handlerOf(() =>
      fail ? throwError(() => new Error('database gone')) : of(CREATED),
    );
    await expect(send(withKey('k1'), handler)).rejects.toThrow('database gone');
    fail = false;
    const retry = await send(withKey('k1'), handler);
    expect(handler.runs).toBe(2);
    expect(retry.body).toBe(JSON.stringify(CREATED));
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
  });

  it('answers the original error when storing the failure fails too', async () => {
    const handler = handlerOf(() =>
      throwError(() => new InvalidTransitionError('Record already failed')),
    );
    service.failStoring = true;
    await expect(send(withKey('k1'), handler, 'process')).rejects.toThrow(
      new InvalidTransitionError('Record already failed'),
    );
  });

  it('refuses a repeat while the first is still in flight (409)', async () => {
    let finish: (body: unknown) => void = () => undefined;
    const slow = handlerOf(
      () =>
        new Observable((subscriber) => {
          finish = (body) => {
            subscriber.next(body);
            subscriber.complete();
          };
        }),
    );
    const first = send(withKey('k1'), slow);
    await new Promise((resolve) => setImmediate(resolve));
    await expect(
      send(
        withKey('k1'),
        handlerOf(() => of(CREATED)),
      ),
    ).rejects.toBeInstanceOf(RequestInFlightError);
    finish(CREATED);
    expect((await first).body).toBe(JSON.stringify(CREATED));
  });

  it('lets the domain save the response in its own transaction, and sends what it saved', async () => {
    const tx = { name: 'the transaction' } as unknown as Transaction;
    const saved: unknown[] = [];
    let request: FakeRequest & Pick<ContextRequest, 'idempotency'> = withKey('k1');
    const handler = handlerOf(() => {
      const ticket = request.idempotency;
      if (!ticket) throw new Error('no ticket handed to the domain');
      saved.push(ticket.saved);
      return new Observable((subscriber) => {
        void ticket.save(tx, CREATED).then(() => {
          saved.push(ticket.saved);
          subscriber.next({ ...CREATED, note: 'changed after saving' });
          subscriber.complete();
        });
      });
    });
    const first = await send(request, handler);
    expect(saved).toEqual([false, true]);
    expect(first.body).toBe(JSON.stringify(CREATED));
    expect(service.storedFor('k1')).toMatchObject({
      status: 201,
      body: JSON.stringify(CREATED),
      tx,
    });
    request = withKey('k1');
    const again = await send(request, handler);
    expect(again.body).toBe(JSON.stringify(CREATED));
    expect(handler.runs).toBe(1);
  });

  it.each([
    ['an empty key', ''],
    ['a key of 256 characters', 'k'.repeat(256)],
    ['a key with a non-ASCII character', 'caf\u00e9'],
    ['an unterminated quoted key', '"k1'],
  ])('refuses %s as a validation error, before anything runs', async (_, key) => {
    const handler = handlerOf(() => of(CREATED));
    let thrown: unknown;
    try {
      await send(withKey(key), handler);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RequestValidationError);
    expect((thrown as RequestValidationError).details).toEqual([
      {
        field: 'Idempotency-Key',
        message:
          'Idempotency-Key must be 1-255 printable ASCII characters, bare or as a quoted string',
      },
    ]);
    expect(handler.runs).toBe(0);
  });

  it.each([
    ['a POST without the header', aRequest({ body: { source: 'api' } })],
    ['a GET with the header', withKey('k1', { method: 'GET' })],
  ])('passes %s straight through, storing nothing', async (_, request) => {
    const handler = handlerOf(() => of(CREATED));
    const first = await send(request, handler);
    const again = await send(request, handler);
    expect(first.body).toEqual(CREATED);
    expect(again.headers).toEqual({});
    expect(handler.runs).toBe(2);
  });
});

import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { catchError, from, mergeMap, Observable, of } from 'rxjs';
import { DataSource, EntityManager } from 'typeorm';
import { presentedApiKey } from '../common/api-key';
import { RequestValidationError, toProblem } from '../common/problem';
import { requestIdOf } from '../common/request-id';
import { parseIdempotencyKey, requestFingerprint, sha256 } from './idempotency-key';
import { IdempotencyService } from './idempotency.service';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * Handed to the domain with the request context: the domain saves the response
 * inside its own transaction, so a record and its key commit together.
 */
export interface IdempotencyTicket {
  save(manager: EntityManager, body: unknown): Promise<void>;
  saved: boolean;
}

type IdempotentRequest = Parameters<typeof requestIdOf>[0] & {
  method: string;
  body?: unknown;
  idempotency?: IdempotencyTicket;
};

/**
 * Idempotent POSTs (after the IETF httpapi draft and Stripe): the first request
 * with a key runs and its response is stored; a repeat replays it with
 * Idempotent-Replayed: true. 5xx answers are never stored.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly adapterHost: HttpAdapterHost,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<IdempotentRequest>();
    const header = request.headers['idempotency-key'];
    if (request.method !== 'POST' || typeof header !== 'string') return next.handle();

    const key = parseIdempotencyKey(header);
    if (key === undefined) {
      throw new RequestValidationError([
        {
          field: IDEMPOTENCY_KEY_HEADER,
          message:
            'Idempotency-Key must be 1-255 printable ASCII characters, bare or as a quoted string',
        },
      ]);
    }
    const { httpAdapter } = this.adapterHost;
    const response = http.getResponse();
    const path = String(httpAdapter.getRequestUrl(request)).split('?')[0];
    // Keys are scoped to the API key that sent them, the method and the path.
    const scope = `${sha256(presentedApiKey(request.headers) ?? '').slice(0, 32)} POST ${path}`;
    const status =
      (Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined) ?? 201;

    return from(
      this.idempotency.claim(scope, key, requestFingerprint('POST', path, request.body)),
    ).pipe(
      mergeMap((outcome) => {
        if (outcome.kind === 'replay') {
          httpAdapter.status(response, outcome.status);
          httpAdapter.setHeader(response, REPLAYED_HEADER, 'true');
          if (outcome.status >= 400)
            httpAdapter.setHeader(response, 'Content-Type', 'application/problem+json');
          const id = (outcome.body as { id?: unknown }).id;
          if (outcome.status === 201 && typeof id === 'string') {
            httpAdapter.setHeader(response, 'Location', `${path}/${id}`);
          }
          // A stored error body is replayed as stored, except that its request_id names
          // this request (as the X-Request-ID header and the logs do).
          return of(
            outcome.status >= 400
              ? { ...(outcome.body as object), request_id: requestIdOf(request) }
              : outcome.body,
          );
        }
        const { claim } = outcome;
        const ticket: IdempotencyTicket = {
          saved: false,
          save: async (manager, body) => {
            await this.idempotency.complete(manager, claim, status, body);
            ticket.saved = true;
          },
        };
        request.idempotency = ticket;
        return next.handle().pipe(
          mergeMap(async (body: unknown) => {
            if (!ticket.saved)
              await this.idempotency.complete(this.dataSource, claim, status, body);
            return body;
          }),
          catchError(async (error: unknown) => {
            const problem = toProblem(error, path, requestIdOf(request));
            const store =
              problem.status >= 500
                ? this.idempotency.release(claim)
                : this.idempotency.complete(this.dataSource, claim, problem.status, problem.body);
            // The original error is what the client must see; storing is best effort.
            await store.catch(() => undefined);
            throw error;
          }),
        );
      }),
    );
  }
}

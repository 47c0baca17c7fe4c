import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Observable, tap } from 'rxjs';

/** Says which server answered a read that may come from a replica (see Database.read). */
export const READ_SOURCE_HEADER = 'X-Read-Source';

export type ReadSource = 'replica' | 'primary';

/** What the reads of the request being served were answered by. */
interface ReadSourceStore {
  source?: ReadSource;
}

const store = new AsyncLocalStorage<ReadSourceStore>();

/**
 * Called by Database.read for each read: a replica's answer makes the request's answer
 * `replica` (it may be stale), unless a later read on the primary replaced it (`replaces`).
 */
export function noteReadSource(source: ReadSource, replaces = false): void {
  const current = store.getStore();
  if (!current) return;
  if (replaces || current.source === undefined || source === 'replica') current.source = source;
}

/**
 * On a route whose reads may be answered by a replica (lists, summaries, events): sets
 * `X-Read-Source: replica` when a replica answered any of them (the answer may lag the
 * writes), else `primary`.
 */
@Injectable()
export class ReadSourceInterceptor implements NestInterceptor {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const response: unknown = context.switchToHttp().getResponse();
    const reads: ReadSourceStore = {};
    return new Observable((subscriber) =>
      store.run(reads, () =>
        next
          .handle()
          .pipe(
            tap(() =>
              this.adapterHost.httpAdapter.setHeader(
                response,
                READ_SOURCE_HEADER,
                reads.source ?? 'primary',
              ),
            ),
          )
          .subscribe(subscriber),
      ),
    );
  }
}

/** The header as the OpenAPI document describes it, on the routes ReadSourceInterceptor serves. */
export const READ_SOURCE_RESPONSE_HEADER = {
  [READ_SOURCE_HEADER]: {
    description:
      '`replica` when a read replica (DATABASE_REPLICA_URLS) answered: the answer may lag the latest writes; else `primary`.',
    required: true,
    schema: { type: 'string', enum: ['replica', 'primary'] },
  },
};

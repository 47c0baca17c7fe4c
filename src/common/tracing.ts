import {
  context,
  isSpanContextValid,
  Link,
  ROOT_CONTEXT,
  Span,
  SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestIdOf } from './request-id';

/**
 * The service's side of tracing, on the OpenTelemetry API only (a few kilobytes, no
 * SDK): src/tracing.ts starts the SDK when OpenTelemetry's variables ask for it and
 * then calls markTracingStarted(); until then every function here costs a boolean test.
 */
export const TRACER_NAME = 'workflow-service';

/** The span attribute carrying the request id (or the worker batch's `worker_...` id). */
export const REQUEST_ID_ATTRIBUTE = 'workflow.request_id';

let started = false;

/** Called once by src/tracing.ts, after the SDK is registered. */
export function markTracingStarted(): void {
  started = true;
}

export function tracingStarted(): boolean {
  return started;
}

const tracer = () => trace.getTracer(TRACER_NAME);

const asException = (error: unknown): Error | string =>
  error instanceof Error ? error : JSON.stringify(error);

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** W3C Trace Context: `00-<trace id>-<span id>-<flags>`. */
export function formatTraceparent(span: SpanContext): string {
  return `00-${span.traceId}-${span.spanId}-${span.traceFlags.toString(16).padStart(2, '0')}`;
}

/** A stored or received `traceparent` as a (remote) span context; undefined when malformed. */
export function parseTraceparent(value: string | null | undefined): SpanContext | undefined {
  const match = value ? TRACEPARENT.exec(value) : null;
  if (!match) return undefined;
  const span: SpanContext = {
    traceId: match[1],
    spanId: match[2],
    traceFlags: parseInt(match[3], 16),
    isRemote: true,
  };
  return isSpanContextValid(span) ? span : undefined;
}

/** The current span's trace context, to store with what it creates; null when tracing is off. */
export function currentTraceparent(): string | null {
  if (!started) return null;
  const span = trace.getActiveSpan()?.spanContext();
  return span && isSpanContextValid(span) ? formatTraceparent(span) : null;
}

/** `trace_id` and `span_id` of the current span, for the log line being written (pino mixin). */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan()?.spanContext();
  return span && isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {};
}

/**
 * The HTTP server span's finishing touches (registered right after the request id when
 * tracing is on): the request id as an attribute, and, once the response is written, the
 * matched route template as `http.route` and in the name (`POST /records`), as the HTTP
 * semantic conventions ask. `routeOf` is the adapter's (see src/bootstrap/).
 */
export function tracingMiddleware(routeOf: (request: IncomingMessage) => string | undefined) {
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const span = trace.getActiveSpan();
    if (span) {
      span.setAttribute(
        REQUEST_ID_ATTRIBUTE,
        requestIdOf(request as Parameters<typeof requestIdOf>[0], response),
      );
      // 'finish' comes before 'close', where the HTTP instrumentation ends the span.
      response.once('finish', () => {
        const route = routeOf(request);
        if (route === undefined) return;
        span.setAttribute('http.route', route);
        span.updateName(`${request.method} ${route}`);
      });
    }
    next();
  };
}

/** Runs `work` outside any trace (the worker's loop: an empty poll makes no span at all). */
export function outsideAnyTrace<T>(work: () => T): T {
  return started ? context.with(ROOT_CONTEXT, work) : work();
}

/** What the domain hands a claimed batch to (RecordsService.processPendingBatch). */
export interface BatchScope {
  around<T>(
    claimed: { id: string; traceparent?: string | null }[],
    work: () => Promise<T>,
  ): Promise<T>;
}

/**
 * One worker batch as a `process records` span (a CONSUMER span, as the messaging
 * conventions describe batch processing): started once a claim returned rows, dated from
 * the start of the poll, with a link to the span that created each record (its stored
 * `traceparent`), so a record's creation and its processing, on any instance, join up.
 * An empty claim makes no span. The span ends after the batch's transaction (end()).
 */
export class BatchTrace implements BatchScope {
  private span?: Span;
  private readonly startTime = new Date();

  constructor(
    private readonly destination: string,
    private readonly requestId: string,
  ) {}

  around<T>(
    claimed: { id: string; traceparent?: string | null }[],
    work: () => Promise<T>,
  ): Promise<T> {
    if (claimed.length === 0) return work();
    const links: Link[] = [];
    for (const record of claimed) {
      const creator = parseTraceparent(record.traceparent);
      if (creator)
        links.push({ context: creator, attributes: { 'messaging.message.id': record.id } });
    }
    this.span = tracer().startSpan(`process ${this.destination}`, {
      root: true,
      kind: SpanKind.CONSUMER,
      startTime: this.startTime,
      links,
      attributes: {
        'messaging.system': 'postgresql',
        'messaging.operation.name': 'process',
        'messaging.operation.type': 'process',
        'messaging.destination.name': this.destination,
        'messaging.batch.message_count': claimed.length,
        [REQUEST_ID_ATTRIBUTE]: this.requestId,
      },
    });
    return context.with(trace.setSpan(context.active(), this.span), work);
  }

  /** Ends the span (if the batch had one), marked as failed when `error` is given. */
  end(error?: unknown): void {
    if (!this.span) return;
    if (error !== undefined) {
      this.span.recordException(asException(error));
      this.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.span.end();
  }

  /** The batch span's ids for a log line written after it (the failure warning). */
  logFields(): { trace_id?: string; span_id?: string } {
    const span = this.span?.spanContext();
    return span ? { trace_id: span.traceId, span_id: span.spanId } : {};
  }
}

/** What a webhook delivery attempt reports on its span. */
export interface DeliveryAttempt {
  endpointId: string;
  attempt: number;
  /** The trace context stored with the record whose event is delivered (records.traceparent). */
  traceparent: string | null;
}

/** A delivery attempt's span and the header that continues it at the receiver. */
export interface DeliverySpan {
  /** Headers to send with the request (`traceparent`); empty when tracing is off. */
  headers: Record<string, string>;
  /** Ends the span with the answer's status, or the error the attempt ended with. */
  end(outcome: { status?: number; error?: unknown }): void;
}

const NO_DELIVERY_SPAN: DeliverySpan = { headers: {}, end: () => undefined };

/**
 * For the webhook relay (issue 21): one `send` span (CLIENT) per delivery attempt, a
 * child of the record's stored trace context, so the delivery continues the trace of
 * the request that created the record; `headers.traceparent` names this span, for the
 * receiver to continue in turn.
 */
export function startDeliverySpan(delivery: DeliveryAttempt): DeliverySpan {
  if (!started) return NO_DELIVERY_SPAN;
  const creator = parseTraceparent(delivery.traceparent);
  const parent = creator ? trace.setSpanContext(ROOT_CONTEXT, creator) : ROOT_CONTEXT;
  const span = tracer().startSpan(
    'send',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'messaging.operation.name': 'send',
        'workflow.webhook.endpoint_id': delivery.endpointId,
        'workflow.webhook.attempt': delivery.attempt,
      },
    },
    parent,
  );
  const traceparent = formatTraceparent(span.spanContext());
  span.setAttribute('workflow.webhook.traceparent', traceparent);
  return {
    headers: { traceparent },
    end: ({ status, error }) => {
      if (status !== undefined) span.setAttribute('http.response.status_code', status);
      if (error !== undefined || (status !== undefined && status >= 400)) {
        if (error !== undefined) {
          span.recordException(asException(error));
        }
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    },
  };
}

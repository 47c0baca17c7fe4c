import { context, SpanKind, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { BatchTrace, markTracingStarted, startDeliverySpan, traceLogFields } from './tracing';

const CREATOR_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CREATOR_SPAN = '00f067aa0ba902b7';
const CREATOR = `00-${CREATOR_TRACE}-${CREATOR_SPAN}-01`;

/** The spans src/common/tracing.ts makes, with an in-memory SDK in place of src/tracing.ts. */
describe('tracing spans (SDK started)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

  beforeAll(() => {
    provider.register();
    markTracingStarted();
  });
  beforeEach(() => exporter.reset());
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  it('a delivery attempt is a `send` span continuing the stored context, and its header names it', () => {
    const delivery = startDeliverySpan({ endpointId: 'ep_1', attempt: 3, traceparent: CREATOR });
    delivery.end({ status: 503 });
    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('send');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.spanContext().traceId).toBe(CREATOR_TRACE);
    expect(span.parentSpanContext?.spanId).toBe(CREATOR_SPAN);
    const sent = `00-${CREATOR_TRACE}-${span.spanContext().spanId}-01`;
    expect(delivery.headers).toEqual({ traceparent: sent });
    expect(span.attributes).toEqual({
      'messaging.operation.name': 'send',
      'workflow.webhook.endpoint_id': 'ep_1',
      'workflow.webhook.attempt': 3,
      'workflow.webhook.traceparent': sent,
      'http.response.status_code': 503,
    });
    expect(span.status.code).toBe(2);
  });

  it('a delivery without stored context starts a trace of its own', () => {
    startDeliverySpan({ endpointId: 'ep_1', attempt: 1, traceparent: null }).end({ status: 204 });
    const [span] = exporter.getFinishedSpans();
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.status.code).toBe(0);
  });

  it('a batch span exists only for a claim that returned records, linking to their creators', async () => {
    const empty = new BatchTrace('records', 'worker_1');
    await empty.around([], () => Promise.resolve());
    empty.end();
    expect(exporter.getFinishedSpans()).toEqual([]);

    const batch = new BatchTrace('records', 'worker_2');
    const inside = await batch.around(
      [
        { id: 'r1', traceparent: CREATOR },
        { id: 'r2', traceparent: null },
      ],
      () => Promise.resolve(traceLogFields()),
    );
    batch.end();
    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('process records');
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(inside).toEqual({
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
    });
    expect(batch.logFields()).toEqual(inside);
    expect(span.attributes['messaging.batch.message_count']).toBe(2);
    expect(span.attributes['workflow.request_id']).toBe('worker_2');
    expect(span.links).toEqual([
      {
        context: expect.objectContaining({ traceId: CREATOR_TRACE, spanId: CREATOR_SPAN }),
        attributes: { 'messaging.message.id': 'r1' },
      },
    ]);
  });
});

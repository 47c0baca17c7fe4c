import { TraceFlags } from '@opentelemetry/api';
import {
  BatchTrace,
  currentTraceparent,
  formatTraceparent,
  parseTraceparent,
  startDeliverySpan,
  traceLogFields,
} from './tracing';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('traceparent', () => {
  it('formats and parses W3C Trace Context', () => {
    const context = { traceId: TRACE, spanId: SPAN, traceFlags: TraceFlags.SAMPLED };
    expect(formatTraceparent(context)).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({ ...context, isRemote: true });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)?.traceFlags).toBe(TraceFlags.NONE);
  });

  it.each([
    null,
    undefined,
    '',
    `01-${TRACE}-${SPAN}-01`,
    `00-${'0'.repeat(32)}-${SPAN}-01`,
    `00-${TRACE}-${'0'.repeat(16)}-01`,
    `00-${TRACE.toUpperCase()}-${SPAN}-01`,
    `00-${TRACE}-${SPAN}-01-extra`,
  ])('refuses %j', (value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });
});

describe('with tracing not started', () => {
  it('stores no trace context, logs no ids, sends no header', async () => {
    expect(currentTraceparent()).toBeNull();
    expect(traceLogFields()).toEqual({});
    const delivery = startDeliverySpan({ endpointId: 'e', attempt: 1, traceparent: null });
    expect(delivery.headers).toEqual({});
    delivery.end({ status: 200 });
    const batch = new BatchTrace('records', 'worker_1');
    await expect(batch.around([{ id: 'r' }], () => Promise.resolve(2))).resolves.toBe(2);
    batch.end();
  });
});

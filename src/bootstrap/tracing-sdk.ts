import type { Context } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  Span,
  SpanExporter,
  SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { loggedUrl } from '../common/logged-url';
import { SERVICE_VERSION } from '../config/service-version';
import type { OtlpProtocol } from '../config/telemetry';

/** Query-string values that could be credentials, redacted as the request log redacts them. */
class RedactUrlsProcessor implements SpanProcessor {
  onStart(span: Span, _parent: Context): void {
    const query = span.attributes['url.query'];
    if (typeof query === 'string') span.setAttribute('url.query', loggedUrl(`?${query}`).slice(1));
    const full = span.attributes['url.full'];
    if (typeof full === 'string') span.setAttribute('url.full', loggedUrl(full));
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** OTLP over HTTP; endpoint, headers and timeout from OpenTelemetry's variables. */
function exporterFor(protocol: OtlpProtocol): SpanExporter {
  // Only the chosen exporter (and its encoder) is loaded.
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (protocol === 'http/json') {
    const { OTLPTraceExporter } =
      require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter();
  }
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return new OTLPTraceExporter();
}

/**
 * Starts the OpenTelemetry SDK: the tracer provider (W3C trace context propagation, the
 * sampler from OTEL_TRACES_SAMPLER, parent-based by default), the batch span processor
 * (OTEL_BSP_*: spans leave in the background, in batches; when the queue is full they are
 * dropped, so a collector that is down never slows or fails a request) and the
 * instrumentations of http, pg and Nest. Must run before those modules are required
 * (src/tracing.ts). Returns what flushes and stops it.
 */
export function startTracingSdk(protocol: OtlpProtocol): () => Promise<void> {
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'workflow-service' }))
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the defaults above.
    .merge(detectResources({ detectors: [hostDetector, serviceInstanceIdDetector, envDetector] }))
    .merge(resourceFromAttributes({ 'service.version': SERVICE_VERSION }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new RedactUrlsProcessor(), new BatchSpanProcessor(exporterFor(protocol))],
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // The service's own calls out (none today; webhooks make their own `send` span).
        disableOutgoingRequestInstrumentation: true,
      }),
      new PgInstrumentation({
        // Statements only inside a request or a batch: no span per empty poll, none for migrations.
        requireParentSpan: true,
        // Never the bound values: payloads are customer data. db.query.text is the
        // statement with its $1 placeholders, as the repositories write it.
        enhancedDatabaseReporting: false,
      }),
      new NestInstrumentation(),
    ],
  });
  return () => provider.shutdown();
}

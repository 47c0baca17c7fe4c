/**
 * Whether, and how, the service exports traces: read from OpenTelemetry's own variables
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/),
 * before anything else is loaded (src/tracing.ts). With none of them set, tracing is
 * off and no OpenTelemetry SDK module is ever required.
 */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface TelemetrySettings {
  enabled: boolean;
  /** How spans travel to the collector (OTLP over HTTP). */
  protocol: OtlpProtocol;
}

const PROTOCOLS: readonly string[] = ['http/protobuf', 'http/json'];

const set = (value: string | undefined): value is string =>
  value !== undefined && value.trim() !== '';

/**
 * On when an OTLP endpoint is named (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or OTEL_TRACES_EXPORTER=otlp asks for the
 * default one (http://localhost:4318); off when OTEL_SDK_DISABLED=true or
 * OTEL_TRACES_EXPORTER=none. Throws on a setting this service cannot honour
 * (another exporter, or gRPC), so an operator learns at startup, not from missing traces.
 */
export function telemetrySettings(env: NodeJS.ProcessEnv): TelemetrySettings {
  const rawProtocol =
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() ||
    env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim() ||
    'http/protobuf';
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  const off = { enabled: false, protocol: 'http/protobuf' as const };
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return off;
  if (exporters.includes('none')) return off;
  const unsupported = exporters.filter((name) => name !== 'otlp');
  if (unsupported.length > 0) {
    throw new Error(`OTEL_TRACES_EXPORTER=${unsupported.join(',')} is not supported: use otlp`);
  }
  const enabled =
    exporters.includes('otlp') ||
    set(env.OTEL_EXPORTER_OTLP_ENDPOINT) ||
    set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (!enabled) return off;
  if (!PROTOCOLS.includes(rawProtocol)) {
    throw new Error(
      `OTEL_EXPORTER_OTLP_PROTOCOL=${rawProtocol} is not supported: use http/protobuf or http/json`,
    );
  }
  return { enabled, protocol: rawProtocol as OtlpProtocol };
}

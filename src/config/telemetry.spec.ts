import { telemetrySettings } from './telemetry';

describe('telemetrySettings', () => {
  it('is off with none of the variables set, or only some that name no destination', () => {
    expect(telemetrySettings({})).toEqual({ enabled: false, protocol: 'http/protobuf' });
    expect(telemetrySettings({ OTEL_SERVICE_NAME: 'svc' }).enabled).toBe(false);
    expect(telemetrySettings({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }).enabled).toBe(false);
  });

  it.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }],
  ])('is on, over http/protobuf by default, with %j', (env) => {
    expect(telemetrySettings(env)).toEqual({ enabled: true, protocol: 'http/protobuf' });
  });

  it('takes the traces protocol over the general one', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    expect(telemetrySettings({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toEqual({
      enabled: true,
      protocol: 'http/json',
    });
    expect(
      telemetrySettings({
        ...endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      }).protocol,
    ).toBe('http/json');
  });

  it('stays off when disabled, whatever else is set', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    expect(telemetrySettings({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).enabled).toBe(false);
    expect(telemetrySettings({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).enabled).toBe(false);
  });

  it('refuses what it cannot honour: gRPC, other exporters', () => {
    expect(() =>
      telemetrySettings({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
    ).toThrow('OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported: use http/protobuf or http/json');
    expect(() => telemetrySettings({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(
      'OTEL_TRACES_EXPORTER=zipkin is not supported: use otlp',
    );
  });
});

import { markTracingStarted } from './common/tracing';
import { telemetrySettings } from './config/telemetry';

/**
 * Required first by main.ts, before anything it instruments (http, pg, Nest) is loaded.
 * With OpenTelemetry's variables unset (README, Observability) this reads a few of
 * them and returns: no SDK module is required, nothing is patched.
 */
let stop: () => Promise<void> = () => Promise.resolve();

try {
  const settings = telemetrySettings(process.env);
  if (settings.enabled) {
    // Lazily: only a process that traces loads the SDK.
    const { startTracingSdk } =
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('./bootstrap/tracing-sdk') as typeof import('./bootstrap/tracing-sdk');
    stop = startTracingSdk(settings.protocol);
    markTracingStarted();
  }
} catch (error) {
  console.error(
    `workflow-service failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}

/** Exports the spans still queued and stops the SDK (a no-op when tracing is off). */
export function stopTracing(): Promise<void> {
  return stop();
}

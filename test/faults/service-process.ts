import { ServiceProcess } from '../process-harness';

/** Short timeouts keep the suite fast; the bounds the checks use derive from them. */
export const SERVICE_TIMEOUTS = {
  DB_POOL_TIMEOUT_MS: 1000,
  DB_STATEMENT_TIMEOUT_MS: 3000,
  DB_LOCK_TIMEOUT_MS: 2000,
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: 2000,
};

/** A service process with the fault suite's settings (short timeouts, quiet logs). */
export const faultService = (name: string, port: number, env: Record<string, string>) =>
  new ServiceProcess(name, port, {
    LOG_LEVEL: 'warn',
    SHUTDOWN_GRACE_MS: '2000',
    ...Object.fromEntries(Object.entries(SERVICE_TIMEOUTS).map(([k, v]) => [k, String(v)])),
    ...env,
  });

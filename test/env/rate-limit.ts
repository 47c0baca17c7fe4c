/** Set before the app (and ConfigModule) loads, for rate-limit.e2e-spec.ts. */
process.env.RATE_LIMIT_PER_MINUTE = '3';

/** Keys for api-keys.e2e-spec.ts, set before the app (and ConfigModule) loads. */
export const API_KEYS_ENV = ['key-a-0123456789abcdef', 'key-b-fedcba9876543210'];
process.env.API_KEYS = ` ${API_KEYS_ENV[0]}, ${API_KEYS_ENV[1]} `;

import { validateEnvironment } from './environment';

describe('validateEnvironment: HTTP timeouts', () => {
  it('defaults to 10 s for headers and 30 s for a whole request', () => {
    expect(validateEnvironment({})).toMatchObject({
      HTTP_HEADERS_TIMEOUT_MS: 10000,
      HTTP_REQUEST_TIMEOUT_MS: 30000,
    });
  });

  it('reads them from the environment', () => {
    expect(
      validateEnvironment({ HTTP_HEADERS_TIMEOUT_MS: '2000', HTTP_REQUEST_TIMEOUT_MS: '2000' }),
    ).toMatchObject({ HTTP_HEADERS_TIMEOUT_MS: 2000, HTTP_REQUEST_TIMEOUT_MS: 2000 });
  });

  it.each([
    [{ HTTP_HEADERS_TIMEOUT_MS: '50' }, /HTTP_HEADERS_TIMEOUT_MS=50: .*not be less than 100/],
    [{ HTTP_REQUEST_TIMEOUT_MS: 'soon' }, /HTTP_REQUEST_TIMEOUT_MS="soon"/],
    [
      { HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '5000' },
      /HTTP_HEADERS_TIMEOUT_MS=20000: must not exceed HTTP_REQUEST_TIMEOUT_MS \(5000\)/,
    ],
  ])('refuses %j, naming the variable', (raw, message) => {
    expect(() => validateEnvironment(raw)).toThrow(message);
  });
});

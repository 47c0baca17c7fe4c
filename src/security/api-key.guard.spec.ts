import { UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ConfigService } from '@nestjs/config';
import { aRequest, fakeHttp } from '../../test/unit/fake-http';
import type { Environment } from '../config/environment';
import { ApiKeyGuard, RequireApiKeyForReads } from './api-key.guard';
import { ApiKeys } from './api-keys';

const KEY_A = 'a3f1c6d2e9b84f0a9c1d2e3f4a5b6c7d';
const KEY_B = 'key-b-0123456789';

/** The guard as Nest builds it, with API_KEYS already parsed by the environment. */
function guarded(keys: string[], request = aRequest(), controller?: new () => unknown) {
  const config = { get: () => keys } as unknown as ConfigService<Environment, true>;
  const http = fakeHttp(request, undefined, controller);
  const guard = new ApiKeyGuard(new ApiKeys(config), http.adapterHost, new Reflector());
  return { http, check: () => guard.canActivate(http.context) };
}

const refusal = (check: () => boolean) => {
  try {
    check();
  } catch (error) {
    if (error instanceof UnauthorizedException) return error.message;
    throw error;
  }
  throw new Error('the request was let through');
};

@RequireApiKeyForReads()
class KeyedReadsController {}

describe('ApiKeyGuard', () => {
  it('refuses a read without a key on a controller marked RequireApiKeyForReads', () => {
    const request = aRequest({ method: 'GET' });
    expect(refusal(guarded([KEY_A], request, KeyedReadsController).check)).toBe(
      'An API key is required: send X-API-Key or Authorization: Bearer',
    );
    expect(
      guarded(
        [KEY_A],
        aRequest({ method: 'GET', headers: { 'x-api-key': KEY_A } }),
        KeyedReadsController,
      ).check(),
    ).toBe(true);
  });

  it('lets every request through when no key is configured', () => {
    expect(guarded([]).check()).toBe(true);
  });

  it.each(['GET', 'HEAD', 'OPTIONS', 'get'])(
    'leaves %s open when keys are configured',
    (method) => {
      expect(guarded([KEY_A], aRequest({ method })).check()).toBe(true);
    },
  );

  it.each([
    ['X-API-Key with the first key', { 'x-api-key': KEY_A }],
    ['X-API-Key with the second key', { 'x-api-key': KEY_B }],
    ['Authorization: Bearer', { authorization: `Bearer ${KEY_B}` }],
  ])('accepts a POST with %s', (_, headers) => {
    const { http, check } = guarded([KEY_A, KEY_B], aRequest({ headers }));
    expect(check()).toBe(true);
    expect(http.response.getHeader('www-authenticate')).toBeUndefined();
  });

  it('refuses a POST without a key, asking for one', () => {
    const { http, check } = guarded([KEY_A]);
    expect(refusal(check)).toBe('An API key is required: send X-API-Key or Authorization: Bearer');
    expect(http.response.getHeader('www-authenticate')).toBe('Bearer');
  });

  it.each([
    ['a wrong key', { 'x-api-key': 'nope' }],
    ['a key one character short', { 'x-api-key': KEY_A.slice(0, -1) }],
    ['a key with a character more', { 'x-api-key': `${KEY_A}0` }],
    ['another case', { 'x-api-key': KEY_A.toUpperCase() }],
    ['a wrong bearer token', { authorization: 'Bearer nope' }],
  ])('refuses a POST with %s as an invalid key', (_, headers) => {
    const { http, check } = guarded([KEY_A, KEY_B], aRequest({ headers }));
    expect(refusal(check)).toBe('Invalid API key');
    expect(http.response.getHeader('www-authenticate')).toBe('Bearer');
  });

  it('does not guard what is not HTTP', () => {
    const { http, check } = guarded([KEY_A]);
    http.context.setType('rpc');
    expect(check()).toBe(true);
  });
});

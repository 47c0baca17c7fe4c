import { isPublicAddress, PrivateAddressError, resolvePublic, urlProblem } from './url-guard';

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.1',
    '10.0.0.1',
    '172.16.5.4',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '198.18.0.1',
    '::1',
    '::',
    'fd00::1',
    'fc00::1',
    'fe80::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '64:ff9b::a00:1',
    '2002:a00:1::1',
    '[::1]',
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '93.184.216.34',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
  ])('allows %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('urlProblem', () => {
  it('allows absolute http and https URLs', () => {
    expect(urlProblem('https://example.com/hooks?a=1')).toBeNull();
    expect(urlProblem('http://example.com:8080/')).toBeNull();
  });

  it.each([
    ['ftp://example.com/', 'url must be an absolute http or https URL'],
    ['/relative', 'url must be an absolute http or https URL'],
    ['https://user:pw@example.com/', 'url must not carry credentials'],
    [`https://example.com/${'a'.repeat(2048)}`, 'url must be at most 2048 characters'],
  ])('refuses %s', (url, problem) => {
    expect(urlProblem(url)).toBe(problem);
  });
});

describe('resolvePublic', () => {
  const resolver = (addresses: string[]) => () =>
    Promise.resolve(
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

  it('answers the addresses of a public host', async () => {
    await expect(resolvePublic('example.com', false, resolver(['93.184.216.34']))).resolves.toEqual(
      [{ address: '93.184.216.34', family: 4 }],
    );
  });

  it('refuses a host with any non-public answer among several (rebinding tricks)', async () => {
    await expect(
      resolvePublic('mixed.example', false, resolver(['93.184.216.34', '10.0.0.1'])),
    ).rejects.toThrow(
      new PrivateAddressError('mixed.example resolves to a non-public address (10.0.0.1)'),
    );
  });

  it('refuses an IP literal without resolving; allows everything when private URLs are allowed', async () => {
    const never = () => Promise.reject(new Error('resolved'));
    await expect(resolvePublic('[::1]', false, never)).rejects.toThrow(
      '[::1] is a non-public address',
    );
    await expect(resolvePublic('localhost', true, resolver(['127.0.0.1']))).resolves.toHaveLength(
      1,
    );
  });
});

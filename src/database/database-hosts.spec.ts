import { parseDatabaseHosts, serverTrouble } from './database-hosts';

describe('parseDatabaseHosts', () => {
  it('splits a libpq multi-host URL into single-host URLs, in order, without target_session_attrs', () => {
    expect(
      parseDatabaseHosts(
        'postgres://app:s3cret@db-1:5432,db-2:5433/workflow?target_session_attrs=read-write',
      ),
    ).toEqual([
      { name: 'db-1:5432', url: 'postgres://app:s3cret@db-1:5432/workflow' },
      { name: 'db-2:5433', url: 'postgres://app:s3cret@db-2:5433/workflow' },
    ]);
  });

  it('gives a host without a port 5432, and keeps the other parameters', () => {
    expect(
      parseDatabaseHosts(
        'postgresql://app@db-1,db-2:6432/workflow?sslmode=require&target_session_attrs=primary&application_name=x',
      ),
    ).toEqual([
      {
        name: 'db-1:5432',
        url: 'postgresql://app@db-1:5432/workflow?sslmode=require&application_name=x',
      },
      {
        name: 'db-2:6432',
        url: 'postgresql://app@db-2:6432/workflow?sslmode=require&application_name=x',
      },
    ]);
  });

  it('reads one host as a list of one, with or without user and path', () => {
    expect(parseDatabaseHosts('postgres://127.0.0.1:5432/test')).toEqual([
      { name: '127.0.0.1:5432', url: 'postgres://127.0.0.1:5432/test' },
    ]);
    expect(parseDatabaseHosts('postgres://u@db')).toEqual([
      { name: 'db:5432', url: 'postgres://u@db:5432' },
    ]);
  });

  it('keeps a password containing an encoded @ and reads IPv6 hosts in brackets', () => {
    expect(parseDatabaseHosts('postgres://u:p%40ss@[::1]:5433,[fd00::2]/db')).toEqual([
      { name: '[::1]:5433', url: 'postgres://u:p%40ss@[::1]:5433/db' },
      { name: '[fd00::2]:5432', url: 'postgres://u:p%40ss@[fd00::2]:5432/db' },
    ]);
  });

  it('drops the query when target_session_attrs was all of it', () => {
    expect(parseDatabaseHosts('postgres://u@a:1,b:2/db?target_session_attrs=read-write')).toEqual([
      { name: 'a:1', url: 'postgres://u@a:1/db' },
      { name: 'b:2', url: 'postgres://u@b:2/db' },
    ]);
  });

  it.each([
    ['an empty host', 'postgres://u@a:5432,/db'],
    ['a port out of range', 'postgres://u@a:70000/db'],
    ['a port that is not a number', 'postgres://u@a:x/db'],
    ['another scheme', 'mysql://u@a/db'],
  ])('refuses %s', (_, url) => {
    expect(() => parseDatabaseHosts(url)).toThrow(/DATABASE_URL/);
  });
});

describe('serverTrouble', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it('reads a write refused as read-only (25006) as the primary having moved', () => {
    expect(serverTrouble(withCode('25006'))).toBe('read-only');
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', '57P01', '57P02', '57P03', '08006', '08001'])(
    'reads %s as a lost server',
    (code) => {
      expect(serverTrouble(withCode(code))).toBe('lost');
    },
  );

  it('reads a connection ended under a query as a lost server', () => {
    expect(serverTrouble(new Error('Connection terminated unexpectedly'))).toBe('lost');
    expect(serverTrouble(new Error('Connection terminated due to connection timeout'))).toBe(
      'lost',
    );
  });

  it.each([
    ['a statement timeout', '57014'],
    ['a lock timeout', '55P03'],
    ['a serialization failure', '40001'],
    ['a unique violation', '23505'],
    ['too many connections', '53300'],
  ])('leaves %s alone', (_, code) => {
    expect(serverTrouble(withCode(code))).toBeUndefined();
  });

  it('leaves errors without code or message alone', () => {
    expect(serverTrouble(new Error('syntax error'))).toBeUndefined();
    expect(serverTrouble(undefined)).toBeUndefined();
    expect(serverTrouble({})).toBeUndefined();
  });
});

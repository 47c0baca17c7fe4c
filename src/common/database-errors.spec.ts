import {
  QueryFailedError,
  QueryRunnerAlreadyReleasedError,
  QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';
import { classifyDatabaseError } from './database-errors';

/** What node-postgres throws: an Error with a string `code`. */
const pgError = (code: unknown, message = 'boom') => Object.assign(new Error(message), { code });
/** What TypeORM throws around it when a statement fails. */
const queryFailed = (code: unknown, message = 'boom') =>
  new QueryFailedError('SELECT 1', [], pgError(code, message));

describe('classifyDatabaseError', () => {
  it.each([
    ['08006 connection failure', '08006'],
    ['08P01 protocol violation (class 08)', '08P01'],
    ['53300 too many connections (class 53)', '53300'],
    ['57P01 admin shutdown (class 57)', '57P01'],
    ['57014 statement timeout (class 57)', '57014'],
    ['58030 I/O error (class 58)', '58030'],
    ['40001 serialization failure', '40001'],
    ['40P01 deadlock', '40P01'],
    ['55P03 lock timeout', '55P03'],
    ['55006 object in use', '55006'],
    ['25P03 idle-in-transaction timeout', '25P03'],
    ['25006 read-only transaction (a standby after failover)', '25006'],
  ])('a statement failing with %s is unavailable: retry later', (_, code) => {
    expect(classifyDatabaseError(queryFailed(code))).toBe('unavailable');
    expect(classifyDatabaseError(pgError(code))).toBe('unavailable');
  });

  it.each([
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    'ENOTFOUND',
    'EHOSTUNREACH',
    'EAI_AGAIN',
  ])('a network error %s is unavailable', (code) => {
    expect(classifyDatabaseError(pgError(code))).toBe('unavailable');
    expect(classifyDatabaseError(queryFailed(code))).toBe('unavailable');
  });

  it.each([
    'timeout exceeded when trying to connect',
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'connection timeout expired',
    'Client has encountered a connection error and is not queryable',
    'Cannot use a pool after calling end on the pool',
    'Client was closed and is not queryable',
  ])('a driver error saying %j is unavailable', (message) => {
    expect(classifyDatabaseError(new Error(message))).toBe('unavailable');
    expect(classifyDatabaseError(queryFailed(undefined, message))).toBe('unavailable');
  });

  it.each([
    ['QueryRunnerAlreadyReleasedError', new QueryRunnerAlreadyReleasedError()],
    ['QueryRunnerProviderAlreadyReleasedError', new QueryRunnerProviderAlreadyReleasedError()],
  ])('a transaction whose connection died (%s) is unavailable', (_, error) => {
    expect(classifyDatabaseError(error)).toBe('unavailable');
  });

  it.each([
    ['22P05 untranslatable character', '22P05'],
    ['22021 invalid byte sequence', '22021'],
    ['22003 numeric value out of range', '22003'],
    ['22P02 invalid text representation', '22P02'],
  ])('a value PostgreSQL cannot store (%s) is invalid input', (_, code) => {
    expect(classifyDatabaseError(queryFailed(code))).toBe('invalid_input');
  });

  it.each([
    ['23505 unique violation', '23505'],
    ['42P01 undefined table', '42P01'],
    ['42601 syntax error', '42601'],
    ['02000 no data (class 02, not 22)', '02000'],
    ['a five-letter code that is no network error', 'ABCDE'],
    ['25P02 transaction aborted (not 25P03)', '25P02'],
  ])('another statement failure (%s) is unknown: a bug, answered 500', (_, code) => {
    expect(classifyDatabaseError(queryFailed(code))).toBe('unknown');
  });

  it.each([
    ['a numeric code', 57],
    ['a four-character code', '5700'],
    ['a six-character code', '57P01X'],
    ['a lower-case SQLSTATE', '57p01'],
    ['no code', undefined],
  ])('a statement failure with %s and no telling message is unknown', (_, code) => {
    expect(classifyDatabaseError(queryFailed(code))).toBe('unknown');
  });

  it('a statement failure whose driver error has no code and no message is unknown', () => {
    expect(classifyDatabaseError(new QueryFailedError('SELECT 1', [], {} as Error))).toBe(
      'unknown',
    );
  });

  it.each([
    ['a TypeError', new TypeError('x is undefined')],
    ['an Error with an unknown code', pgError('ERR_SOMETHING')],
    ['an Error with a lower-case SQLSTATE-like code', pgError('57p01')],
    ['a thrown string', 'timeout exceeded when trying to connect'],
    ['a thrown object', { code: '57P01', message: 'Connection terminated' }],
    ['undefined', undefined],
  ])('%s is not a database error', (_, error) => {
    expect(classifyDatabaseError(error)).toBeUndefined();
  });
});

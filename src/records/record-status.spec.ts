import {
  checkTransition,
  decide,
  Decision,
  RECORD_STATUSES,
  RecordAction,
  RecordStatus,
} from './record-status';
import { loadRuleSet } from './rules/rules-file';

describe('RECORD_STATUSES', () => {
  it("are the contract's three", () => {
    expect(RECORD_STATUSES).toEqual(['pending', 'processed', 'failed']);
  });
});

describe('checkTransition', () => {
  const table: [RecordStatus, RecordAction, RecordStatus[] | string][] = [
    ['pending', 'process', ['processed', 'failed']],
    ['processed', 'process', 'Record already processed'],
    ['failed', 'process', 'Record already failed'],
    ['pending', 'retry', 'Only a failed record can be retried; this one is pending'],
    ['processed', 'retry', 'Only a failed record can be retried; this one is processed'],
    ['failed', 'retry', ['pending']],
  ];

  it.each(table)('%s + %s -> %j', (status, action, expected) => {
    const result = checkTransition(status, action);
    if (Array.isArray(expected)) {
      expect(result).toEqual({ allowed: true, to: expected });
    } else {
      expect(result).toEqual({ allowed: false, reason: expected });
    }
  });
});

describe('decide', () => {
  const rules = loadRuleSet();
  const order = { category: 'order', payload: { order_id: '12345', amount: 99.99 } };

  it.each<[RecordStatus, RecordAction, Record<string, unknown>, Decision]>([
    [
      'pending',
      'process',
      order,
      {
        allowed: true,
        transition: {
          status: 'processed',
          classification: 'high_value',
          score: '0.95',
          error: null,
          attempt: 1,
        },
      },
    ],
    [
      'pending',
      'process',
      { category: 'order', payload: { order_id: '12345' } },
      {
        allowed: true,
        transition: {
          status: 'failed',
          classification: null,
          score: null,
          error: "payload.amount is required for category 'order'",
          attempt: 1,
        },
      },
    ],
    [
      'pending',
      'process',
      { category: 'signup', payload: { priority: 'high' } },
      {
        allowed: true,
        transition: {
          status: 'failed',
          classification: null,
          score: null,
          error: 'payload.priority must be a number, got string',
          attempt: 1,
        },
      },
    ],
    [
      'pending',
      'process',
      { category: 'signup', payload: {} },
      {
        allowed: true,
        transition: {
          status: 'processed',
          classification: 'general',
          score: '0.30',
          error: null,
          attempt: 1,
        },
      },
    ],
    [
      'failed',
      'retry',
      { category: 'order', payload: { order_id: '12345' } },
      {
        allowed: true,
        transition: {
          status: 'pending',
          classification: null,
          score: null,
          error: null,
          attempt: 0,
        },
      },
    ],
    ['processed', 'process', order, { allowed: false, reason: 'Record already processed' }],
    ['failed', 'process', order, { allowed: false, reason: 'Record already failed' }],
    [
      'pending',
      'retry',
      order,
      { allowed: false, reason: 'Only a failed record can be retried; this one is pending' },
    ],
    [
      'processed',
      'retry',
      order,
      { allowed: false, reason: 'Only a failed record can be retried; this one is processed' },
    ],
  ])('%s + %s of %j', (status, action, record, decision) => {
    const { category, payload } = record as { category: string; payload: Record<string, unknown> };
    expect(decide({ status, category, payload }, action, rules)).toEqual(decision);
  });

  it('retrying does not judge the payload again', () => {
    const unjudgeable = { status: 'failed' as const, category: 'order', payload: {} };
    expect(decide(unjudgeable, 'retry', rules)).toMatchObject({
      allowed: true,
      transition: { status: 'pending', error: null },
    });
  });
});

import { checkTransition, RecordAction, RecordStatus } from './record-status';

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

import { BATCH_BODY_LIMIT_BYTES } from '../records/dto/create-records-batch.dto';
import { BODY_LIMIT_BYTES, bodyRulesFor, MAX_BODY_LIMIT_BYTES } from './http-rules';

describe('bodyRulesFor', () => {
  it('gives the batch route its larger limit and payloads in items, as the routers match it', () => {
    for (const url of ['/records/batch', '/Records/Batch/', '/records/batch?x=1']) {
      expect(bodyRulesFor(url)).toEqual({ limit: BATCH_BODY_LIMIT_BYTES, payloads: 'items' });
    }
    expect(BATCH_BODY_LIMIT_BYTES).toBeGreaterThan(BODY_LIMIT_BYTES);
    expect(MAX_BODY_LIMIT_BYTES).toBe(BATCH_BODY_LIMIT_BYTES);
  });

  it('gives every other route the single limit', () => {
    for (const url of ['/records', '/records/batchx', '/records/x/batch', undefined]) {
      expect(bodyRulesFor(url)).toEqual({ limit: BODY_LIMIT_BYTES, payloads: 'top' });
    }
  });
});

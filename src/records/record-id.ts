import { uuidv7 } from 'uuidv7';

/**
 * A new record id: a UUIDv7 (RFC 9562). Its first 48 bits are the Unix time in
 * milliseconds, so ids made later sort later (within one process strictly, the
 * library keeps a counter for ids made in the same millisecond). Inserts then
 * append to the right edge of the primary-key index instead of landing on random
 * pages, and a range of ids is a range of creation times (what partitioning by id
 * uses). Rows inserted by SQL get the same kind of id from the column default
 * (gen_uuid_v7(), migration 1764500000000).
 */
export const newRecordId = (): string => uuidv7();

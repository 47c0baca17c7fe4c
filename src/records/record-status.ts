/**
 * The record lifecycle, as a pure module:
 *
 *   pending --process--> processed
 *   pending --process--> failed
 *   failed  --retry----> pending
 */
export const RECORD_STATUSES = ['pending', 'processed', 'failed'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

export const RECORD_ACTIONS = ['process', 'retry'] as const;
export type RecordAction = (typeof RECORD_ACTIONS)[number];

/** The statuses an action may lead to, from each status it is allowed in. */
const TRANSITIONS: Record<RecordAction, Partial<Record<RecordStatus, readonly RecordStatus[]>>> = {
  process: { pending: ['processed', 'failed'] },
  retry: { failed: ['pending'] },
};

export type TransitionCheck =
  { allowed: true; to: readonly RecordStatus[] } | { allowed: false; reason: string };

const REFUSALS: Record<RecordAction, Record<RecordStatus, string>> = {
  process: {
    pending: '',
    processed: 'Record already processed',
    failed: 'Record already failed',
  },
  retry: {
    pending: 'Only a failed record can be retried; this one is pending',
    processed: 'Only a failed record can be retried; this one is processed',
    failed: '',
  },
};

/** Whether `action` may run on a record in `status`, and where it can lead. */
export function checkTransition(status: RecordStatus, action: RecordAction): TransitionCheck {
  const to = TRANSITIONS[action][status];
  return to ? { allowed: true, to } : { allowed: false, reason: REFUSALS[action][status] };
}

export function isRecordStatus(value: unknown): value is RecordStatus {
  return typeof value === 'string' && (RECORD_STATUSES as readonly string[]).includes(value);
}

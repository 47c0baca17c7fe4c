import { RuleSet } from './rules/rule-set';
import { evaluate } from './rules/rules-engine';

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

/** What a transition writes: the next status, its outcome, and the attempt count's step. */
export interface Transition {
  status: RecordStatus;
  classification: string | null;
  score: string | null;
  error: string | null;
  /** 1 when the transition is a process run (attempts counts them), else 0. */
  attempt: 0 | 1;
}

export type Decision =
  { allowed: true; transition: Transition } | { allowed: false; reason: string };

/**
 * The decision a transition makes, purely: whether `action` may run on `record`,
 * and what it leads to (processing runs the rules on the record's payload).
 */
export function decide(
  record: { status: RecordStatus; category: string; payload: Record<string, unknown> },
  action: RecordAction,
  rules: RuleSet,
): Decision {
  const check = checkTransition(record.status, action);
  if (!check.allowed) return check;
  if (action === 'retry') {
    return {
      allowed: true,
      transition: { status: 'pending', classification: null, score: null, error: null, attempt: 0 },
    };
  }
  const verdict = evaluate(rules, record.category, record.payload);
  return {
    allowed: true,
    transition:
      verdict.outcome === 'classified'
        ? {
            status: 'processed',
            classification: verdict.classification,
            score: verdict.score,
            error: null,
            attempt: 1,
          }
        : { status: 'failed', classification: null, score: null, error: verdict.error, attempt: 1 },
  };
}

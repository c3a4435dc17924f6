/**
 * Thrown by our own code when a record can never be handled (e.g. a value no store can hold): the
 * consumers classify it deterministic (src/consumers/failure-kind.ts), so the record is dead-lettered
 * with this message instead of being retried for ever.
 */
export class RecordRejectedError extends Error {
  readonly deterministic = true;
}

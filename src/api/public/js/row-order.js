// Which of two versions of one row is newer. The page cannot import TypeScript, so this mirrors
// the domain's rules in src/domain/windows.ts (isNewerRow, isNewerAggregate);
// test/live/row-order.unit.spec.ts checks that both answer alike on a table of cases.

/** A store's window row: it includes more of the log (higher offset), or the same log made final. */
export function isNewerRow(prev, next) {
  if (!prev) return true;
  if (next.offset !== prev.offset) return next.offset > prev.offset;
  return prev.provisional && !next.provisional;
}

/** All-stores totals of a minute: their version (the sum of the partition aggregates' versions) only grows. */
export function isNewerAggregate(prev, next) {
  return !prev || next.version > prev.version;
}

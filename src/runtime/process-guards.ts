/**
 * Last line of defence for the process. A promise rejection nobody handled is a bug, but it did
 * not unwind a synchronous mutation half-way, so it is logged and the process keeps serving.
 * An uncaught exception may have left in-memory state half-updated: it is logged and the process
 * exits non-zero (a supervisor restarts it; exactly-once effect comes from replay of the log, so a
 * restart loses nothing acknowledged, while serving from corrupted memory could).
 */
export interface ProcessGuardOptions {
  log: (message: string, err: unknown) => void;
  /** Called once after an uncaught exception; defaults to exiting with code 1. */
  onFatal?: (err: unknown) => void;
}

type GuardedProcess = Pick<NodeJS.Process, "on" | "exit">;

export function installProcessGuards(opts: ProcessGuardOptions, proc: GuardedProcess = process): void {
  let fatal = false;
  proc.on("unhandledRejection", (reason) => {
    opts.log("unhandled promise rejection (a bug; kept serving)", reason);
  });
  proc.on("uncaughtException", (err) => {
    opts.log("uncaught exception (a bug; exiting so state is rebuilt from the log)", err);
    if (fatal) return;
    fatal = true;
    (opts.onFatal ?? (() => proc.exit(1)))(err);
  });
}

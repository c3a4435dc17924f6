import { query, type Ref } from "nact";
import type { ActorDeps } from "./deps.ts";

/**
 * One actor request: nact's `query`, timed out after `askTimeoutMs`, and watched by the slow-ask
 * watch so a request left unanswered names itself long before that timeout. `describe` gets the
 * message's kind and is called only if the request is reported (requests are many per second).
 */
export function askActor<Msg extends { kind: string }, Reply>(
  ref: Ref<Msg>,
  make: (replyTo: Ref<Reply>) => Msg,
  deps: Pick<ActorDeps, "askTimeoutMs" | "slowAsks">,
  describe: (kind: string) => string,
): Promise<Reply> {
  let kind = "";
  const asked = query(ref, (replyTo: Ref<Reply>) => {
    const msg = make(replyTo);
    kind = msg.kind;
    return msg;
  }, deps.askTimeoutMs);
  return deps.slowAsks ? deps.slowAsks.track(() => describe(kind), asked) : asked;
}

/**
 * POS traffic simulator: realistic sales and refunds over HTTP to a running Intraday Sales server.
 *   npm run simulate -- --url http://127.0.0.1:3000 --stores 50 --rate 500 --duration 60 [--batch N]
 * Run `npm run simulate -- --help` for every flag.
 */
import { parseArgs } from "node:util";
import { HttpClient, isUnreachable } from "./sim/http-client.ts";
import { fmtMs, Latencies } from "./sim/stats.ts";
import { simulatedStoreInfo } from "./sim/store-directory.ts";
import { DEFAULT_MIX, makeStores, rng, TrafficGenerator, type GeneratedEvent, type TrafficMix } from "./sim/traffic.ts";

const HELP = `Sends realistic point-of-sale traffic to a running Intraday Sales server.

Usage: npm run simulate -- [flags]

  --url URL           server base URL                            (default http://127.0.0.1:3000)
  --stores N          number of stores (each with a home currency) (default 50)
  --rate N            target events per second                   (default 500)
  --duration S        seconds to run; 0 = until Ctrl-C           (default 60)
  --batch N           events per POST (1 = one event per request) (default 1)
  --concurrency N     most requests in flight (keep-alive sockets) (default 32)
  --api-key KEY       sends Authorization: Bearer KEY (needed when the server sets INTRADAY_API_KEYS)
  --seed N            random seed; the same seed gives the same stores and events (default: random, printed)
  --refunds F         fraction of refunds                        (default ${DEFAULT_MIX.refunds})
  --out-of-order F    fraction sent 1–9 s after they occurred    (default ${DEFAULT_MIX.outOfOrder})
  --late F            fraction sent 1–15 min after they occurred (default ${DEFAULT_MIX.late})
  --duplicates F      fraction of sends that retry an earlier event (same eventId) (default ${DEFAULT_MIX.duplicates})
  --invalid F         fraction of deliberately invalid events (rejected with 400; a bad event rejects its whole batch) (default 0)
  --json              also print the final summary as one JSON line
  -h, --help          this help

Start the server first, in another terminal: npm start
Exit code: 0 when something was accepted and no request failed; 1 otherwise (2: server not reachable, bad flags).
`;

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

function parse() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: "string", default: "http://127.0.0.1:3000" },
        stores: { type: "string", default: "50" },
        rate: { type: "string", default: "500" },
        duration: { type: "string", default: "60" },
        batch: { type: "string", default: "1" },
        concurrency: { type: "string", default: "32" },
        "api-key": { type: "string" },
        seed: { type: "string" },
        refunds: { type: "string", default: String(DEFAULT_MIX.refunds) },
        "out-of-order": { type: "string", default: String(DEFAULT_MIX.outOfOrder) },
        late: { type: "string", default: String(DEFAULT_MIX.late) },
        duplicates: { type: "string", default: String(DEFAULT_MIX.duplicates) },
        invalid: { type: "string", default: "0" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (err) {
    fail(`${(err as Error).message}\n\n${HELP}`);
  }
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const num = (name: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER, int = true): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max || (int && !Number.isInteger(n))) fail(`--${name} must be ${int ? "an integer" : "a number"} in [${min}, ${max}] (got ${raw})`);
    return n;
  };
  const frac = (name: string, raw: string) => num(name, raw, 0, 1, false);
  const mix: TrafficMix = {
    refunds: frac("refunds", values.refunds),
    outOfOrder: frac("out-of-order", values["out-of-order"]),
    late: frac("late", values.late),
    duplicates: frac("duplicates", values.duplicates),
    invalid: frac("invalid", values.invalid),
  };
  if (mix.late + mix.outOfOrder > 1) fail("--late + --out-of-order must be at most 1");
  return {
    url: values.url.replace(/\/+$/, ""),
    stores: num("stores", values.stores, 1, 1_000_000),
    rate: num("rate", values.rate, 0.1, 10_000_000, false),
    duration: num("duration", values.duration, 0, 366 * 86400, false),
    batch: num("batch", values.batch, 1, 100_000),
    concurrency: num("concurrency", values.concurrency, 1, 10_000),
    apiKey: values["api-key"],
    seed: values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : num("seed", values.seed, 0, 2 ** 32 - 1),
    mix,
    json: values.json,
  };
}

interface Totals {
  sentEvents: number;
  requests: number;
  completedEvents: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  errors: number;
  errorKinds: Map<string, number>;
  rejectSamples: string[];
}

async function main(): Promise<void> {
  const opts = parse();
  const headers: Record<string, string> = { "user-agent": "intraday-simulate/1" };
  if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
  const client = new HttpClient(opts.url, opts.concurrency, headers);

  // Preflight: is anything there, and is it us?
  try {
    const r = await client.request("GET", "/healthz");
    if (r.status >= 500) console.warn(`warning: ${opts.url}/healthz answered ${r.status}; sending anyway`);
  } catch (err) {
    client.close();
    fail(
      `Cannot reach the Intraday Sales server at ${opts.url} (${(err as Error).message || (err as { code?: string }).code}).\n` +
        `Start it first in another terminal with:  npm start\n` +
        `(it listens on http://127.0.0.1:3000 by default; with INTRADAY_PORT=… pass the matching --url).`,
    );
  }

  const rand = rng(opts.seed);
  const stores = makeStores(opts.stores);
  const gen = new TrafficGenerator(stores, opts.mix, rand);
  const registered = await client.request("POST", "/v1/store-directory", JSON.stringify(simulatedStoreInfo(stores))).catch((e: Error) => ({ status: 0, body: e.message }));
  if (registered.status !== 200) console.warn(`could not register the stores in the store directory (POST /v1/store-directory → ${registered.status}); dashboards show their ids only`);
  const currencies = new Map<string, number>();
  for (const s of stores) currencies.set(s.currency, (currencies.get(s.currency) ?? 0) + 1);
  console.log(
    `simulating ${opts.stores} stores (${[...currencies].map(([c, n]) => `${c} ${n}`).join(", ")}) → ${opts.url}/v1/sales at ${opts.rate} events/s` +
      `${opts.duration ? ` for ${opts.duration} s` : " until Ctrl-C"}, batch ${opts.batch}, concurrency ${opts.concurrency}, seed ${opts.seed}`,
  );

  const t: Totals = { sentEvents: 0, requests: 0, completedEvents: 0, accepted: 0, duplicates: 0, rejected: 0, errors: 0, errorKinds: new Map(), rejectSamples: [] };
  const lat = new Latencies();
  let inFlight = 0;
  let stopping = false;
  let fatal: string | null = null;
  let unreachableSince: number | null = null;
  const addError = (kind: string, events: number) => {
    t.errors += events;
    t.errorKinds.set(kind, (t.errorKinds.get(kind) ?? 0) + events);
  };

  const send = (batch: GeneratedEvent[]): void => {
    const body = opts.batch === 1 ? batch[0]!.json : `[${batch.map((e) => e.json).join(",")}]`;
    const n = batch.length;
    inFlight++;
    t.requests++;
    t.sentEvents += n;
    client
      .request("POST", "/v1/sales", body)
      .then((r) => {
        unreachableSince = null;
        lat.add(r.latencyMs);
        t.completedEvents += n;
        if (r.status === 202) {
          const b = JSON.parse(r.body) as { accepted: number; duplicates: number };
          t.accepted += b.accepted;
          t.duplicates += b.duplicates;
        } else if (r.status === 400) {
          t.rejected += n;
          if (t.rejectSamples.length < 3) {
            try {
              const b = JSON.parse(r.body) as { issues?: { index: number; path: string; message: string }[] };
              const i = b.issues?.[0];
              if (i) t.rejectSamples.push(`${i.path}: ${i.message}`);
            } catch {
              t.rejectSamples.push(r.body.slice(0, 200));
            }
          }
        } else if (r.status === 401) {
          addError("401 unauthorized", n);
          fatal ??= `the server requires an API key (INTRADAY_API_KEYS is set): pass --api-key <key>${opts.apiKey ? " (the one given was refused)" : ""}`;
        } else if (r.status === 413) {
          addError("413 body too large", n);
          fatal ??= `the server refused a ${Buffer.byteLength(body)}-byte body (413): lower --batch or raise INTRADAY_MAX_BODY_BYTES`;
        } else {
          addError(`HTTP ${r.status}`, n);
        }
      })
      .catch((err: unknown) => {
        t.completedEvents += n;
        const code = (err as { code?: string }).code;
        addError(code ?? (err as Error).message, n);
        if (isUnreachable(err)) {
          unreachableSince ??= Date.now();
          if (Date.now() - unreachableSince > 3000) fatal ??= `lost the server at ${opts.url} (${code}); is \`npm start\` still running?`;
        }
      })
      .finally(() => {
        inFlight--;
      });
  };

  process.on("SIGINT", () => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log("\nstopping (Ctrl-C again to quit at once)…");
  });

  const started = performance.now();
  const maxDebt = Math.max(opts.batch, opts.rate); // at most one second of schedule debt: a stalled server is not flooded afterwards
  let scheduled = 0; // events the schedule has released so far
  let skipped = 0;
  let lastReport = started;
  let lastReportEvents = 0;
  let pending: GeneratedEvent[] = [];

  const report = (now: number) => {
    const secs = (now - started) / 1000;
    const cur = ((t.sentEvents - lastReportEvents) * 1000) / (now - lastReport);
    lastReport = now;
    lastReportEvents = t.sentEvents;
    console.log(
      `[${secs.toFixed(0).padStart(4)}s] sent ${t.sentEvents} accepted ${t.accepted} dupes ${t.duplicates} rejected ${t.rejected} errors ${t.errors}` +
        ` | ${cur.toFixed(0)} ev/s now, ${(t.sentEvents / secs).toFixed(0)} avg | in flight ${inFlight} | p99 ${fmtMs(lat.percentile(99))} ms`,
    );
  };

  while (!stopping && fatal === null) {
    const now = performance.now();
    const elapsed = (now - started) / 1000;
    if (opts.duration > 0 && elapsed >= opts.duration) break;
    const due = Math.floor(opts.rate * elapsed);
    if (due - scheduled > maxDebt) {
      skipped += due - scheduled - maxDebt;
      scheduled = due - maxDebt;
    }
    while (scheduled < due && inFlight < opts.concurrency) {
      pending.push(gen.next());
      scheduled++;
      if (pending.length >= opts.batch) {
        send(pending);
        pending = [];
      }
    }
    if (now - lastReport >= 1000) report(now);
    await new Promise((r) => setTimeout(r, opts.rate >= 200 ? 2 : 10));
  }
  if (pending.length && fatal === null) send(pending);
  const sendEnded = performance.now();
  // Drain: wait for what is in flight (bounded).
  const drainUntil = Date.now() + 15_000;
  while (inFlight > 0 && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  client.close();
  report(performance.now());

  const secs = (sendEnded - started) / 1000;
  const summary = {
    url: opts.url,
    seed: opts.seed,
    stores: opts.stores,
    batch: opts.batch,
    targetRate: opts.rate,
    durationSeconds: Number(secs.toFixed(2)),
    requests: t.requests,
    sent: t.sentEvents,
    accepted: t.accepted,
    duplicates: t.duplicates,
    rejected: t.rejected,
    errors: t.errors,
    errorKinds: Object.fromEntries(t.errorKinds),
    unanswered: t.sentEvents - t.completedEvents,
    latencyMs: { p50: lat.percentile(50), p99: lat.percentile(99), max: lat.percentile(100) },
    achievedEventsPerSecond: Number((t.sentEvents / secs).toFixed(1)),
    achievedRequestsPerSecond: Number((t.requests / secs).toFixed(1)),
    scheduleSkipped: skipped,
    mix: { ...gen.counts },
  };
  const line = (k: string, v: string) => console.log(`  ${k.padEnd(14)} ${v}`);
  console.log("\nsummary");
  line("sent", `${summary.sent} events in ${summary.requests} requests over ${secs.toFixed(1)} s`);
  line("accepted", String(summary.accepted));
  line("duplicates", `${summary.duplicates} (server-reported; ${gen.counts.duplicate} retries sent on purpose, plus any event id repeated)`);
  line("rejected", `${summary.rejected}${t.rejectSamples.length ? ` (e.g. ${t.rejectSamples.join(" | ")})` : ""}`);
  line("errors", `${summary.errors}${t.errorKinds.size ? ` (${[...t.errorKinds].map(([k, n]) => `${k}: ${n}`).join(", ")})` : ""}`);
  if (summary.unanswered) line("unanswered", `${summary.unanswered} events still in flight after 15 s`);
  line("latency", `p50 ${fmtMs(summary.latencyMs.p50)} ms, p99 ${fmtMs(summary.latencyMs.p99)} ms, max ${fmtMs(summary.latencyMs.max)} ms (per request)`);
  line("rate", `${summary.achievedEventsPerSecond} events/s (${summary.achievedRequestsPerSecond} requests/s), target ${opts.rate}`);
  if (skipped) line("behind", `${skipped} events skipped: the server (or --concurrency ${opts.concurrency}) could not keep up with --rate`);
  line(
    "mix",
    `sales ${gen.counts.sale}, refunds ${gen.counts.refund}, out of order ${gen.counts.outOfOrder}, late ${gen.counts.late}, retries ${gen.counts.duplicate}, invalid ${gen.counts.invalid}`,
  );
  if (opts.json) console.log(JSON.stringify(summary));
  if (fatal) console.error(`\nstopped early: ${fatal}`);
  const ok = t.errors === 0 && t.accepted > 0 && fatal === null;
  if (!ok && t.accepted === 0 && t.errors === 0) console.error("nothing was accepted");
  process.exit(ok ? 0 : 1);
}

main().catch((err) => {
  console.error("simulate failed:", err);
  process.exit(1);
});

import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgPool } from "../../src/projections/postgres/pg-pool.ts";
import { isolatedEnv } from "./support.ts";

/**
 * A checked-out PostgreSQL client whose connection is lost must fail its caller, not the process:
 * pg-pool does not listen for the errors of clients it has handed out, and an `error` event with no
 * listener is an uncaught exception (the chaos run's instance exited during a PostgreSQL outage).
 * Vitest fails the file on any uncaught exception, so each case fails without the pool's listener.
 */
describe("a lost PostgreSQL connection on a checked-out client", () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let admin: pg.Pool;
  beforeAll(async () => {
    ({ env, drop } = await isolatedEnv());
    admin = new pg.Pool({ connectionString: env.PG_URL, max: 1 });
  });
  afterAll(async () => {
    await admin?.end();
    await drop?.();
  });

  const terminate = async (client: pg.PoolClient) => {
    const pid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    return () => admin.query("SELECT pg_terminate_backend($1)", [pid]);
  };

  // Not events.once: it listens for `error` too, which would hide the very failure this file looks for.
  const closed = (client: pg.PoolClient) => new Promise<void>((resolve) => client.once("end", () => resolve()));

  it("between queries: the error is told once, the process lives on, and the pool serves on a new connection", async () => {
    const told: { message: string; code?: string }[] = [];
    const pool = createPgPool({ connectionString: env.PG_URL!, max: 1, onConnectionError: (e) => told.push(e) });
    try {
      const client = await pool.connect();
      const kill = await terminate(client);
      const ended = closed(client);
      await kill();
      await ended;
      client.release(new Error("connection lost"));
      expect(told).toHaveLength(1);
      expect(told[0]).toMatchObject({ code: "57P01" });
      expect(Object.keys(told[0]!).sort()).toEqual(["code", "message"]);
      expect((await pool.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it("during a query whose caller releases only after the socket closed: the query fails, the process lives on", async () => {
    const pool = createPgPool({ connectionString: env.PG_URL!, max: 1 });
    try {
      const client = await pool.connect();
      const kill = await terminate(client);
      const ended = closed(client);
      // Its outcome is taken at once: the query can fail before the admin's terminate returns.
      const outcome = client.query("SELECT pg_sleep(30)").then(
        () => "answered",
        (err: Error) => err.message,
      );
      await kill();
      expect(await outcome).toMatch(/terminat/);
      await ended;
      client.release(new Error("connection lost"));
      expect((await pool.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });
});

import { parseArgs, type ParseArgsConfig } from "node:util";
import { loadSettings, SettingsError, type Settings } from "../config/settings.ts";
import { openOpsContext, OpsUsageError, type OpsContext } from "./ops-context.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Runs one operations command: parses flags (unknown ones are an error), opens the stack, prints
 * progress on stderr and ONE JSON summary on stdout (what Airflow's logs and XCom keep).
 * Exit codes: 0 done, 1 done but something needs attention (the command says what), 2 bad usage or
 * settings, 3 failed (stack unreachable or an error mid-way).
 */
export async function runCli<O extends Options>(
  name: string,
  usage: string,
  options: O,
  body: (args: ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>>["values"], ctx: OpsContext, settings: Settings) => Promise<{ summary: unknown; exitCode: 0 | 1 }>,
): Promise<never> {
  const progress = (m: string) => process.stderr.write(`[${name}] ${m}\n`);
  let code = 3;
  let ctx: OpsContext | undefined;
  try {
    const { values } = parseArgs({ options: { ...options, help: { type: "boolean" } }, strict: true, allowPositionals: false });
    if ((values as { help?: boolean }).help) {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    }
    const settings = loadSettings();
    const t0 = Date.now();
    ctx = await openOpsContext(settings, progress);
    const out = await body(values as never, ctx, settings);
    progress(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // last line of the output: a BashOperator pushes the last line (stderr included) to XCom
    process.stdout.write(`${JSON.stringify(out.summary)}\n`);
    code = out.exitCode;
  } catch (err) {
    const e = err as Error & { code?: string };
    const usageError = err instanceof OpsUsageError || err instanceof SettingsError || e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" || e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" || e.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL";
    process.stderr.write(`[${name}] ${usageError ? "usage error" : "failed"}: ${e.message}\n`);
    if (usageError) process.stderr.write(`${usage}\n`);
    code = usageError ? 2 : 3;
  } finally {
    await ctx?.close();
  }
  process.exit(code);
}

export function isoArg(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(v)) throw new OpsUsageError(`${flag} ${JSON.stringify(v)}: expected an ISO 8601 date-time (2026-11-27T10:00:00Z)`);
  return ms;
}

export function intArg(flag: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new OpsUsageError(`${flag} ${JSON.stringify(v)}: expected a whole number from ${min} to ${max}`);
  return Number(v);
}

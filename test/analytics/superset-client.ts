/** A small client of Superset's REST API for the analytics checks (login with the admin user from settings). */
export const SUPERSET_URL = process.env.INTRADAY_SUPERSET_URL ?? `http://127.0.0.1:${process.env.INTRADAY_SUPERSET_PORT ?? "8088"}`;
export const SUPERSET_USER = process.env.INTRADAY_SUPERSET_ADMIN_USER ?? "admin";
export const SUPERSET_PASSWORD = process.env.INTRADAY_SUPERSET_ADMIN_PASSWORD ?? "admin";

export interface ChartParams {
  viz_type: string;
  datasource: string;
  x_axis?: string;
  time_grain_sqla?: string;
  groupby?: string[];
  metrics: string[];
  adhoc_filters?: { operator: string; subject: string; comparator: string }[];
  timeseries_limit_metric?: string;
  order_desc?: boolean;
  row_limit?: number;
}

export interface DashboardChart {
  id: number;
  name: string;
  params: ChartParams;
}

export type Filter = { col: string; op: "IN" | "==" | "TEMPORAL_RANGE"; val: unknown };

export class SupersetClient {
  private constructor(private readonly token: string) {}

  static async login(): Promise<SupersetClient> {
    const r = await fetch(`${SUPERSET_URL}/api/v1/security/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: SUPERSET_USER, password: SUPERSET_PASSWORD, provider: "db", refresh: false }),
    });
    if (!r.ok) throw new Error(`Superset login at ${SUPERSET_URL} failed: ${r.status} ${await r.text()}`);
    return new SupersetClient(((await r.json()) as { access_token: string }).access_token);
  }

  private async call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const r = await fetch(`${SUPERSET_URL}${path}`, { ...init, headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json", ...init.headers } });
    const text = await r.text();
    if (!r.ok) throw new Error(`Superset ${init.method ?? "GET"} ${path}: ${r.status} ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  }

  async dashboardCharts(slug: string): Promise<DashboardChart[]> {
    const r = await this.call<{ result: { id: number; slice_name: string; form_data: ChartParams }[] }>(`/api/v1/dashboard/${slug}/charts`);
    return r.result.map((c) => ({ id: c.id, name: c.slice_name, params: c.form_data }));
  }

  async dashboard(slug: string): Promise<{ refresh_frequency?: number; native_filter_configuration?: { name: string; filterType: string }[] }> {
    const r = await this.call<{ result: { json_metadata: string } }>(`/api/v1/dashboard/${slug}`);
    return JSON.parse(r.result.json_metadata) as { refresh_frequency?: number };
  }

  /** The chart's own query (its x axis, groupby, metrics, order and limit) run with extra filters, as a dashboard would. */
  async chartData(chart: DashboardChart, filters: Filter[], timeRange: string): Promise<Record<string, unknown>[]> {
    const p = chart.params;
    const timeColumn = p.adhoc_filters?.find((f) => f.operator === "TEMPORAL_RANGE")?.subject ?? p.x_axis;
    const columns: unknown[] = [];
    if (p.x_axis) columns.push({ columnType: "BASE_AXIS", sqlExpression: p.x_axis, label: p.x_axis, expressionType: "SQL", timeGrain: p.time_grain_sqla });
    columns.push(...(p.groupby ?? []));
    const query = {
      columns,
      metrics: p.metrics,
      filters: [...filters, ...(timeColumn ? [{ col: timeColumn, op: "TEMPORAL_RANGE", val: timeRange }] : [])],
      orderby: p.timeseries_limit_metric ? [[p.timeseries_limit_metric, !p.order_desc]] : [],
      row_limit: p.row_limit ?? 10_000,
    };
    const [id] = p.datasource.split("__");
    const r = await this.call<{ result: { status: string; error: string | null; data: Record<string, unknown>[] }[] }>("/api/v1/chart/data", {
      method: "POST",
      body: JSON.stringify({ datasource: { id: Number(id), type: "table" }, queries: [query], result_format: "json", result_type: "full", force: true }),
    });
    const first = r.result[0]!;
    if (first.error) throw new Error(`chart ${chart.name}: ${first.error}`);
    return first.data;
  }
}

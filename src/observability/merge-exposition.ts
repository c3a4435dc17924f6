/**
 * Merges the Prometheus text of two registries of one instance (the main thread and the processing
 * worker, which count different things under the same metric names): counters and histograms are
 * summed per series; for gauges the larger value is kept (each gauge is really set by one side, the
 * other holds 0 or a stale copy). HELP and TYPE come once, from the first text that has the family.
 */
export function mergeExposition(a: string, b: string): string {
  const families = new Map<string, { help: string[]; type: string; series: Map<string, number> }>();
  const order: string[] = [];
  const familyOf = (series: string): string => {
    const name = series.replace(/\{.*$/, "");
    for (const suffix of ["_bucket", "_sum", "_count"]) {
      const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : null;
      if (base && families.get(base)?.type === "histogram") return base;
    }
    return name;
  };
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) {
      families.set(name, (f = { help: [], type: "untyped", series: new Map() }));
      order.push(name);
    }
    return f;
  };
  for (const text of [a, b]) {
    for (const line of text.split("\n")) {
      if (!line) continue;
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (meta) {
        const f = family(meta[2]!);
        if (meta[1] === "TYPE") f.type = meta[3]!;
        else if (f.help.length === 0) f.help.push(line);
        continue;
      }
      if (line.startsWith("#")) continue;
      const cut = line.lastIndexOf(" ");
      const key = line.slice(0, cut);
      const value = Number(line.slice(cut + 1));
      const f = family(familyOf(key));
      const prior = f.series.get(key);
      f.series.set(key, prior === undefined ? value : f.type === "gauge" ? Math.max(prior, value) : prior + value);
    }
  }
  const out: string[] = [];
  for (const name of order) {
    const f = families.get(name)!;
    out.push(...f.help);
    if (f.type !== "untyped") out.push(`# TYPE ${name} ${f.type}`);
    for (const [k, v] of f.series) out.push(`${k} ${v}`);
  }
  return out.join("\n") + "\n";
}

// Minimal typing of the parts of autocannon 8 the bench uses (the package ships no types).
declare module "autocannon" {
  import type { EventEmitter } from "node:events";
  interface Histogram {
    p50: number;
    p99: number;
    max: number;
    average: number;
  }
  export interface Result {
    requests: { total: number; average: number };
    latency: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
  }
  export interface Options {
    url: string;
    connections?: number;
    pipelining?: number;
    duration?: number;
    timeout?: number;
    requests?: Record<string, unknown>[];
  }
  type Instance = EventEmitter & PromiseLike<Result>;
  export default function autocannon(opts: Options): Instance;
}

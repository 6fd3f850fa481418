import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The gateway's Prometheus metrics, in a registry of their own (served at `GET /metrics`). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "gateway_process_" });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: "gateway_requests_total",
      help: "tRPC procedure calls answered, by procedure and result code (OK or the error code)",
      labelNames: ["procedure", "code"] as const,
      registers,
    }),
    requestDuration: new Histogram({
      name: "gateway_request_duration_seconds",
      help: "Time to answer a tRPC procedure call, by procedure",
      labelNames: ["procedure"] as const,
      buckets: latencyBuckets,
      registers,
    }),
    serviceCallDuration: new Histogram({
      name: "gateway_service_call_duration_seconds",
      help: "Time of each NATS call to a service, by service and outcome (ok, error, unavailable)",
      labelNames: ["service", "outcome"] as const,
      buckets: latencyBuckets,
      registers,
    }),
    breakerState: new Gauge({
      name: "gateway_breaker_state",
      help: "Circuit breaker state per service: 0 closed, 1 half-open, 2 open",
      labelNames: ["service"] as const,
      registers,
    }),
    breakerRejections: new Counter({
      name: "gateway_breaker_rejections_total",
      help: "Calls failed fast because the service's breaker was open",
      labelNames: ["service"] as const,
      registers,
    }),
    bulkheadRejections: new Counter({
      name: "gateway_bulkhead_rejections_total",
      help: "Calls failed fast because the service already had the maximum calls in flight",
      labelNames: ["service"] as const,
      registers,
    }),
    retries: new Counter({
      name: "gateway_retries_total",
      help: "Repeated attempts of failed queries",
      labelNames: ["service"] as const,
      registers,
    }),
    rateLimitRejections: new Counter({
      name: "gateway_rate_limit_rejections_total",
      help: "Calls refused with TOO_MANY_REQUESTS, by limit group",
      labelNames: ["group"] as const,
      registers,
    }),
    rateLimitFallback: new Counter({
      name: "gateway_rate_limit_fallback_total",
      help: "Rate-limit decisions made by the local limiter because the shared store was unreachable",
      registers,
    }),
    guardRejections: new Counter({
      name: "gateway_request_guard_rejections_total",
      help: "Requests refused before parsing: body too large or JSON nested too deep",
      labelNames: ["reason"] as const,
      registers,
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, TraceFlags, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { Logger } from "./log.ts";
import { continueTrace } from "./trace.ts";

/** One unit of traced work: the `traceparent` to hand on, and how to end it. */
export interface TracedWork {
  /** The W3C traceparent whose span id is this work's own, for the hops it makes. */
  readonly traceparent: string;
  end(outcome: { error?: string; attributes?: Record<string, string | number> }): void;
}

/** Starts spans; with no exporter configured it only continues the trace context. */
export interface Telemetry {
  start(name: string, incoming: string | null | undefined, kind: "server" | "consumer"): TracedWork;
  shutdown(): Promise<void>;
}

const parentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

const untraced: Telemetry = {
  start: (_name, incoming) => ({ traceparent: continueTrace(incoming), end: () => undefined }),
  shutdown: async () => undefined,
};

/**
 * OpenTelemetry export over OTLP/HTTP when `endpoint` is set (`OTEL_EXPORTER_OTLP_ENDPOINT`), off
 * otherwise. Spans continue the incoming W3C `traceparent`, so the gateway's span and every
 * service's span of one request share a trace in the collector.
 */
export function createTelemetry(opts: { endpoint?: string; service: string; log: Logger }): Telemetry {
  if (!opts.endpoint) return untraced;
  const url = `${opts.endpoint.replace(/\/$/, "")}/v1/traces`;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": opts.service }),
    spanProcessors: [
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }), scheduledDelayMillis: 500 }),
    ],
  });
  const tracer = provider.getTracer("portico");
  opts.log.info("exporting traces", { url });

  return {
    start(name, incoming, kind) {
      const match = incoming ? parentPattern.exec(incoming) : null;
      const parent =
        match?.[1] && match[2] && !/^0+$/.test(match[1])
          ? trace.setSpanContext(ROOT_CONTEXT, {
              traceId: match[1],
              spanId: match[2],
              traceFlags: TraceFlags.SAMPLED,
              isRemote: true,
            })
          : ROOT_CONTEXT;
      const span: Span = tracer.startSpan(
        name,
        { kind: kind === "server" ? SpanKind.SERVER : SpanKind.CONSUMER },
        parent,
      );
      const { traceId, spanId } = span.spanContext();
      return {
        traceparent: `00-${traceId}-${spanId}-01`,
        end({ error, attributes }) {
          if (attributes) span.setAttributes(attributes);
          if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
          span.end();
        },
      };
    },
    shutdown: () => provider.shutdown(),
  };
}

import { DiagConsoleLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

let provider: NodeTracerProvider | undefined;

/**
 * Starts OpenTelemetry tracing for the process when a collector is configured: spans are batched and
 * exported over OTLP/HTTP to `<endpoint>/v1/traces`, with W3C trace context propagation and an
 * AsyncLocalStorage context. Off (nothing started, every span a no-op) without an endpoint. One provider
 * per process, its first service name kept: a process hosting two platforms (tests) shares it.
 */
export function startTracing(
  endpoint: string | undefined,
  serviceName: string,
): { flush: () => Promise<void> } | undefined {
  if (!endpoint) return undefined;
  if (!provider) {
    // export failures (a collector down) as warnings on stderr, instead of silence
    diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
    provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': serviceName }),
      spanProcessors: [
        new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` })),
      ],
    });
    provider.register();
  }
  const p = provider;
  // what is still queued goes out within 2 s, or is given up: a collector that is down never holds a
  // shutdown (its failures are logged as OpenTelemetry's warnings)
  return {
    flush: () =>
      Promise.race([p.forceFlush().catch(() => {}), new Promise<void>((r) => setTimeout(r, 2000).unref())]),
  };
}

// Package tracing is cep's OpenTelemetry tracing, off unless OTEL_EXPORTER_OTLP_ENDPOINT
// is set: a span per API request (named by method and route template), carried through
// Temporal to the workflow and its activities by the SDK's tracing interceptor (the
// span travels in the Temporal headers, W3C trace context), and exported over OTLP/gRPC
// (the exporter reads the standard OTEL_EXPORTER_OTLP_* variables). Spans carry IDs
// (workflow and run IDs, routes), never payloads, and an error's kind, not its text.
package tracing

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/interceptor"
)

// Enabled reports whether tracing is configured.
func Enabled() bool { return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" }

// Propagator reads and writes the W3C trace context (HTTP headers, Temporal headers).
var Propagator = propagation.TraceContext{}

// Setup installs the OTLP exporter as the global tracer provider when tracing is
// configured, and returns the shutdown that flushes it (a no-op otherwise).
func Setup(ctx context.Context, service string) (shutdown func(context.Context) error, err error) {
	if !Enabled() {
		return func(context.Context) error { return nil }, nil
	}
	exp, err := otlptracegrpc.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", service))))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(Propagator)
	return tp.Shutdown, nil
}

// Interceptor is the Temporal client (and worker) interceptor that traces workflow
// starts, updates, signals and queries, workflow runs and activities, or nil when
// tracing is off.
func Interceptor() interceptor.ClientInterceptor {
	if !Enabled() {
		return nil
	}
	return interceptor.NewTracingInterceptor(newTracer(otel.GetTracerProvider().Tracer("cep/temporal")))
}

// StartRequest starts the span of an API request (continuing the caller's trace when
// it sends a traceparent header) and returns the request carrying it, for the Temporal
// calls it makes, and the function that ends it with the answer's status.
func StartRequest(r *http.Request, route string) (*http.Request, func(status int)) {
	ctx := Propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	ctx, s := otel.Tracer("cep/api").Start(ctx, r.Method+" "+route, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("http.route", route)))
	return r.WithContext(ctx), func(status int) {
		s.SetAttributes(attribute.Int("http.response.status_code", status))
		if status >= 500 {
			s.SetStatus(codes.Error, http.StatusText(status))
		}
		s.End()
	}
}

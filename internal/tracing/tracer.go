package tracing

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
)

// otelTracer adapts an OpenTelemetry tracer to the SDK's tracing interceptor.
type otelTracer struct {
	interceptor.BaseTracer
	tracer trace.Tracer
}

func newTracer(t trace.Tracer) *otelTracer { return &otelTracer{tracer: t} }

type spanKey struct{}

// headerKey is the Temporal header the span context travels in, the one every SDK
// uses, so that spans join across languages and tools.
const headerKey = "_tracer-data"

func (t *otelTracer) Options() interceptor.TracerOptions {
	return interceptor.TracerOptions{SpanContextKey: spanKey{}, HeaderKey: headerKey}
}

type span struct{ trace.Span }

type spanRef struct{ sc trace.SpanContext }

func (t *otelTracer) UnmarshalSpan(m map[string]string) (interceptor.TracerSpanRef, error) {
	sc := trace.SpanContextFromContext(Propagator.Extract(context.Background(), propagation.MapCarrier(m)))
	if !sc.IsValid() {
		return nil, errors.New("no valid trace context in the Temporal header")
	}
	return spanRef{sc: sc}, nil
}

func (t *otelTracer) MarshalSpan(s interceptor.TracerSpan) (map[string]string, error) {
	m := propagation.MapCarrier{}
	Propagator.Inject(trace.ContextWithSpan(context.Background(), s.(span).Span), m)
	return m, nil
}

func (t *otelTracer) SpanFromContext(ctx context.Context) interceptor.TracerSpan {
	s := trace.SpanFromContext(ctx)
	if !s.SpanContext().IsValid() {
		return nil
	}
	return span{s}
}

func (t *otelTracer) ContextWithSpan(ctx context.Context, s interceptor.TracerSpan) context.Context {
	return trace.ContextWithSpan(ctx, s.(span).Span)
}

func (t *otelTracer) StartSpan(o *interceptor.TracerStartSpanOptions) (interceptor.TracerSpan, error) {
	ctx := context.Background()
	switch p := o.Parent.(type) {
	case nil:
	case span:
		ctx = trace.ContextWithSpan(ctx, p.Span)
	case spanRef:
		ctx = trace.ContextWithRemoteSpanContext(ctx, p.sc)
	default:
		return nil, fmt.Errorf("unknown parent span %T", o.Parent)
	}
	kind := trace.SpanKindInternal
	switch {
	case o.ToHeader:
		kind = trace.SpanKindClient
	case o.FromHeader:
		kind = trace.SpanKindServer
	}
	_, s := t.tracer.Start(ctx, o.Operation+":"+o.Name, trace.WithTimestamp(o.Time), trace.WithSpanKind(kind))
	for k, v := range o.Tags {
		s.SetAttributes(attribute.String(k, v))
	}
	return span{s}, nil
}

func (t *otelTracer) GetLogger(l log.Logger, ref interceptor.TracerSpanRef) log.Logger {
	if s, ok := ref.(span); ok {
		return log.With(l, "trace_id", s.SpanContext().TraceID().String(), "span_id", s.SpanContext().SpanID().String())
	}
	return l
}

// Finish ends the span; an error is recorded by its kind only (an application error's
// type, a refusal's kind), since its message may quote what the workflow received.
func (s span) Finish(o *interceptor.TracerFinishSpanOptions) {
	if o.Error != nil {
		desc := "error"
		var app *temporal.ApplicationError
		if errors.As(o.Error, &app) && app.Type() != "" {
			desc = app.Type()
		}
		s.SetStatus(codes.Error, desc)
	}
	s.End()
}

package tracing

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func traced(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	return workflow.ExecuteActivity(ctx, "Project").Get(ctx, nil)
}

// One trace goes from the API request through Temporal to the workflow and its
// activity: the request's span travels in the Temporal header as the client
// interceptor writes it, the workflow's span continues it, and the activity's span is
// the workflow's child.
func TestOneTraceFromRequestToActivity(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	otel.SetTracerProvider(tp)
	tr := newTracer(tp.Tracer("test"))

	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317")
	req, end := StartRequest(httptest.NewRequest("POST", "/api/v1/cases", nil), "/api/v1/cases")
	parent := tr.SpanFromContext(req.Context())
	if parent == nil {
		t.Fatal("the request has no span")
	}
	header, err := tr.MarshalSpan(parent)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := tr.UnmarshalSpan(header)
	if err != nil {
		t.Fatal(err)
	}
	wf, err := tr.StartSpan(&interceptor.TracerStartSpanOptions{Parent: ref, Operation: "RunWorkflow", Name: "Case", FromHeader: true, Time: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	wf.Finish(&interceptor.TracerFinishSpanOptions{})
	end(201)

	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{interceptor.NewTracingInterceptor(tr)}})
	env.RegisterWorkflowWithOptions(traced, workflow.RegisterOptions{Name: "Traced"})
	env.RegisterActivityWithOptions(func(context.Context) error { return nil }, activity.RegisterOptions{Name: "Project"})
	env.ExecuteWorkflow("Traced")
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}

	spans := exp.GetSpans()
	byName := map[string]tracetest.SpanStub{}
	for _, s := range spans {
		byName[s.Name] = s
	}
	api, run := byName["POST /api/v1/cases"], byName["RunWorkflow:Case"]
	if !api.SpanContext.IsValid() || run.Parent.SpanID() != api.SpanContext.SpanID() || run.SpanContext.TraceID() != api.SpanContext.TraceID() {
		t.Fatalf("the workflow's span does not continue the request's: %+v", spans)
	}
	act, wfRun := byName["RunActivity:Project"], byName["RunWorkflow:Traced"]
	if !act.SpanContext.IsValid() || act.SpanContext.TraceID() != wfRun.SpanContext.TraceID() {
		t.Fatalf("the activity's span is not in the workflow's trace: %v", names(spans))
	}
}

func names(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}

// Without OTEL_EXPORTER_OTLP_ENDPOINT, tracing is off: no interceptor, no exporter.
func TestOffByDefault(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	if Interceptor() != nil {
		t.Fatal("an interceptor without OTEL_EXPORTER_OTLP_ENDPOINT")
	}
	stop, err := Setup(context.Background(), "cep")
	if err != nil || stop(context.Background()) != nil {
		t.Fatal(err)
	}
}

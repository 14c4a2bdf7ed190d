package workflows

import (
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// The case's view of a funding request and the request's own status agree in the end,
// whatever the order in which the funder's events, the adviser's withdrawal and the
// closure of the case reach the two workflows. Steps listed together happen in the same
// instant, in that order (a late report a minute later); each one is a funder's event to the request ("submit",
// "decide"), an update of the case ("withdraw" the request, "close" the case), or a
// report of the request that reaches the case late ("late_submitted").
func TestFundingViewsAgreeInEveryOrder(t *testing.T) {
	tests := []struct {
		steps []string
		// want is the request's final status, in both views.
		want string
	}{
		{[]string{"decide", "withdraw"}, FundingGranted},
		{[]string{"withdraw", "decide"}, FundingWithdrawn},
		{[]string{"submit", "withdraw"}, FundingWithdrawn},
		{[]string{"withdraw", "submit"}, FundingWithdrawn},
		{[]string{"submit", "decide", "withdraw"}, FundingGranted},
		{[]string{"decide", "close"}, FundingGranted},
		{[]string{"close", "decide"}, FundingWithdrawn},
		{[]string{"submit", "close"}, FundingWithdrawn},
		{[]string{"close", "submit"}, FundingWithdrawn},
		{[]string{"submit", "decide", "close"}, FundingGranted},
		// A report the request sent before it learnt of the withdrawal reaches the
		// case after it.
		{[]string{"withdraw", "late_submitted"}, FundingWithdrawn},
		{[]string{"close", "late_submitted"}, FundingWithdrawn},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.steps, "_then_"), func(t *testing.T) {
			ft := newFinancingTest(t)
			s := &script{ct: ft.caseTest}
			toFinancing(s)                                                                // 1h..5h
			s.must(UpdateComputeFinancing, ReasonInput{Actor: pe})                        // 6h
			s.must(UpdateRequestFunding, requestFunding("f1", "region", 4500, "a-train")) // 7h
			closed := false
			ft.at(8*time.Hour, func() {
				for i, step := range tc.steps {
					id := step + "-" + string(rune('a'+i))
					switch step {
					case "submit", "decide":
						ev := FundingEvent{Kind: "submit"}
						if step == "decide" {
							ev = FundingEvent{Kind: "decision", Decision: FundingGranted}
						}
						if err := ft.env.SignalWorkflowByID(FundingRequestWorkflowID("c1", "f1"), SignalFundingEvent, ev); err != nil {
							t.Errorf("signal %s: %v", step, err)
						}
					case "late_submitted":
						ft.env.RegisterDelayedCallback(func() {
							ft.env.SignalWorkflow(SignalFundingChanged, FundingChange{RequestID: "f1", Status: FundingSubmitted, Event: "submitted"})
						}, time.Minute)
					case "withdraw":
						ft.env.UpdateWorkflow(UpdateWithdrawFunding, id, &testsuite.TestUpdateCallback{
							OnAccept: func() {}, OnReject: func(error) {}, OnComplete: func(any, error) {},
						}, FundingWithdrawInput{Actor: pe, RequestID: "f1", Reason: "other funder"})
					case "close":
						closed = true
						ft.env.UpdateWorkflow(UpdateClose, id, &testsuite.TestUpdateCallback{
							OnAccept: func() {}, OnReject: func(err error) { t.Errorf("close refused: %v", err) }, OnComplete: func(any, error) {},
						}, CloseInput{Actor: pe, Outcome: "job"})
					}
				}
			})
			// Before the closure too (it would withdraw a wrongly reopened request).
			var midCase Case
			ft.query(8*time.Hour+30*time.Minute, &midCase)
			var midChild string
			ft.at(8*time.Hour+30*time.Minute, func() {
				rows := ft.rowsOf("f1")
				midChild = rows[len(rows)-1].Ref.Status
			})
			ft.at(9*time.Hour, func() {
				if !closed {
					ft.env.UpdateWorkflow(UpdateClose, "close", &testsuite.TestUpdateCallback{
						OnAccept: func() {}, OnReject: func(err error) { t.Errorf("close refused: %v", err) }, OnComplete: func(any, error) {},
					}, CloseInput{Actor: pe, Outcome: "job"})
				}
			})
			// Not ft.run: updates and reports in the same instant project concurrently,
			// out of order (the database keeps the newest version), which the
			// harness's invariants refuse.
			ft.env.ExecuteWorkflow(CaseWorkflowName, openInput())
			if !ft.env.IsWorkflowCompleted() || ft.env.GetWorkflowError() != nil {
				t.Fatalf("case workflow: completed %v, error %v", ft.env.IsWorkflowCompleted(), ft.env.GetWorkflowError())
			}
			s.checkOK(t)
			ft.childDone("f1")
			rows := ft.rowsOf("f1")
			child := rows[len(rows)-1].Ref.Status
			var caseView string
			for _, f := range ft.last().FundingRequests {
				if f.ID == "f1" {
					caseView = f.Status
				}
			}
			if !closed {
				mid := ""
				for _, f := range midCase.FundingRequests {
					if f.ID == "f1" {
						mid = f.Status
					}
				}
				if mid != midChild {
					t.Errorf("before the closure the request says %s, the case says %s", midChild, mid)
				}
			}
			if child != caseView || child != tc.want {
				t.Errorf("the request says %s, the case says %s; want both %s (request rows %v)", child, caseView, tc.want, ft.fundingStatuses("f1"))
			}
		})
	}
}

// The API signals a funding request as soon as the case's update created it (the
// funder's answer may come at once): the request's workflow must have started by the
// time the update returns, or the signal finds no workflow ("has already ended"). An
// interceptor checks, as the update handler returns, that the child has started.
func TestFundingRequestExistsWhenTheUpdateReturns(t *testing.T) {
	ft := newFinancingTest(t)
	spy := &childSpy{}
	ft.env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{spy}})
	s := &script{ct: ft.caseTest}
	toFinancing(s)                                                                // 1h..5h
	s.must(UpdateComputeFinancing, ReasonInput{Actor: pe})                        // 6h
	s.must(UpdateRequestFunding, requestFunding("f1", "region", 4500, "a-train")) // 7h
	ft.signalFunding(7*time.Hour+time.Second, "f1", FundingEvent{Kind: "submit"})
	ft.update(8*time.Hour, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "job"})
	ft.runToCompletion(openInput())
	s.checkOK(t)
	if spy.returned != 1 || spy.startedAtReturn != 1 {
		t.Errorf("funding.request returned %d times, %d of them with its request's workflow started", spy.returned, spy.startedAtReturn)
	}
	wantStrings(t, "rows of f1", ft.fundingStatuses("f1"), FundingDraft, FundingSubmitted, FundingWithdrawn)
}

// childSpy records, when a funding.request update handler returns, whether the child
// workflows the case started so far have started.
type childSpy struct {
	interceptor.WorkerInterceptorBase
	children        []workflow.ChildWorkflowFuture
	returned        int
	startedAtReturn int
}

func (s *childSpy) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &childSpyInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, spy: s}
}

type childSpyInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	spy *childSpy
}

func (i *childSpyInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&childSpyOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: outbound}, spy: i.spy})
}

func (i *childSpyInbound) ExecuteUpdate(ctx workflow.Context, in *interceptor.UpdateInput) (any, error) {
	out, err := i.Next.ExecuteUpdate(ctx, in)
	if in.Name == UpdateRequestFunding && err == nil {
		i.spy.returned++
		if n := len(i.spy.children); n > 0 && i.spy.children[n-1].GetChildWorkflowExecution().IsReady() {
			i.spy.startedAtReturn++
		}
	}
	return out, err
}

type childSpyOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	spy *childSpy
}

func (o *childSpyOutbound) ExecuteChildWorkflow(ctx workflow.Context, name string, args ...any) workflow.ChildWorkflowFuture {
	f := o.Next.ExecuteChildWorkflow(ctx, name, args...)
	o.spy.children = append(o.spy.children, f)
	return f
}

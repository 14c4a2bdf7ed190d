package app

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"

	"github.com/spro-cep/cep/internal/config"
)

// frontend is a Temporal frontend that answers the client's handshake but refuses to
// list or add search attributes, as a cluster does to a cep without operator rights.
type frontend struct {
	workflowservice.UnimplementedWorkflowServiceServer
	operatorservice.UnimplementedOperatorServiceServer
}

func (frontend) GetSystemInfo(context.Context, *workflowservice.GetSystemInfoRequest) (*workflowservice.GetSystemInfoResponse, error) {
	return &workflowservice.GetSystemInfoResponse{Capabilities: &workflowservice.GetSystemInfoResponse_Capabilities{}}, nil
}

func (frontend) ListSearchAttributes(context.Context, *operatorservice.ListSearchAttributesRequest) (*operatorservice.ListSearchAttributesResponse, error) {
	return nil, serviceerror.NewPermissionDenied("no operator rights", "")
}

// Outside `cep dev`, a worker that cannot register the case search attributes must not
// start: every case workflow would stall on its first upsert.
func TestWorkerRefusesToStartWithoutSearchAttributes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	workflowservice.RegisterWorkflowServiceServer(srv, frontend{})
	operatorservice.RegisterOperatorServiceServer(srv, frontend{})
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()

	t.Setenv("CEP_DATA_DIR", t.TempDir())
	t.Setenv("CEP_TEMPORAL_ADDRESS", ln.Addr().String())
	t.Setenv("CEP_PAYLOAD_KEYS", "k1:"+base64.StdEncoding.EncodeToString(make([]byte, 32)))
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	a, err := Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Parts{Migrate: true, Worker: true})
	if err == nil {
		a.Stop(context.Background())
		t.Fatal("the worker started although the search attributes could not be registered")
	}
	if !strings.Contains(err.Error(), "search attributes") {
		t.Errorf("start-up error %q does not say what is missing", err)
	}
}

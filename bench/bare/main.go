// Command bare is the ceiling of `make bench`: a plain net/http server that
// decodes the same predict JSON as SAMO's POST /v1/predict and returns a
// fixed answer, with no security layer, model or storage. What SAMO costs is
// measured against it on the same machine in the same run.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// predictRequest is the body of POST /v1/predict.
type predictRequest struct {
	Text      string   `json:"text"`
	Threshold *float64 `json:"threshold"`
	Taxonomy  string   `json:"taxonomy"`
}

const answer = `{"emotions":[{"emotion":"joy","confidence":0.9}],"primary_emotion":"joy","confidence":0.9,"taxonomy":"goemotions"}`

func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("POST /v1/predict", func(w http.ResponseWriter, r *http.Request) {
		var req predictRequest
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil || req.Text == "" {
			http.Error(w, `{"status":400}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, answer)
	})
	return mux
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
	// The same timeouts as samo's listener, so both servers do the same
	// per-connection bookkeeping.
	srv := &http.Server{Handler: handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 32 << 10}
	fmt.Fprintln(os.Stderr, "bare: listening on", ln.Addr())
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
}

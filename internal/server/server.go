// Package server runs SAMO's listeners: the API (HTTP or TLS 1.2+) and the
// optional Prometheus listener, with timeouts against slow clients and a
// graceful shutdown when the context ends. It also owns the ordered global
// middleware chain (middleware.go).
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Config describes the listeners.
type Config struct {
	Addr            string
	TLSCertFile     string
	TLSKeyFile      string
	MetricsAddr     string // "" = no metrics listener
	ShutdownTimeout time.Duration
}

// Server serves the API handler and, optionally, the metrics handler.
type Server struct {
	cfg     Config
	api     http.Handler
	metrics http.Handler
	log     *slog.Logger
	// Ready, when set, receives the bound API address once listening.
	Ready func(addr net.Addr)
}

// New returns a Server. metrics may be nil.
func New(cfg Config, api, metrics http.Handler, log *slog.Logger) *Server {
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 15 * time.Second
	}
	return &Server{cfg: cfg, api: api, metrics: metrics, log: log}
}

// TLSConfig is the TLS policy: TLS 1.2 or newer with Go's default (AEAD,
// forward-secret) cipher suites.
func TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12}
}

// httpServer returns a server with timeouts that hold against slow clients
// (slowloris) and oversized headers.
func httpServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       60 * time.Second, // uploads up to MAX_FILE_SIZE
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// Run listens and serves until ctx ends, then shuts down gracefully:
// in-flight requests finish (up to ShutdownTimeout), new ones are refused.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: listen %s: %w", s.cfg.Addr, err)
	}
	srv := httpServer(s.api, s.log)
	tlsOn := s.cfg.TLSCertFile != "" && s.cfg.TLSKeyFile != ""
	if tlsOn {
		srv.TLSConfig = TLSConfig()
	}
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	go func() {
		if tlsOn {
			errc <- srv.ServeTLS(ln, s.cfg.TLSCertFile, s.cfg.TLSKeyFile)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	scheme := "http"
	if tlsOn {
		scheme = "https"
	}
	s.log.Info("listening", "addr", ln.Addr().String(), "scheme", scheme)
	if s.metrics != nil && s.cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", s.cfg.MetricsAddr)
		if err != nil {
			_ = srv.Close()
			return fmt.Errorf("server: listen metrics %s: %w", s.cfg.MetricsAddr, err)
		}
		msrv := httpServer(s.metrics, s.log)
		servers = append(servers, msrv)
		go func() { errc <- msrv.Serve(mln) }()
		s.log.Info("metrics listening", "addr", mln.Addr().String())
	}
	if s.Ready != nil {
		s.Ready(ln.Addr())
	}
	select {
	case err := <-errc:
		for _, x := range servers {
			_ = x.Close()
		}
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	for _, x := range servers {
		if err := x.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

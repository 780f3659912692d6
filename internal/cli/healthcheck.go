package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// runHealthcheck asks the local server's /health and exits 0 only on 200.
// It is the container HEALTHCHECK (the image has no shell and no curl), so
// it reads only SAMO_ADDR and TLS_CERT_FILE: the full configuration (and its
// secrets) is the server's business.
func runHealthcheck(ctx context.Context, stdio IO, args []string) error {
	fs := newFlagSet(stdio, "healthcheck")
	addr := fs.String("addr", "", "server address host:port (default $SAMO_ADDR, else 127.0.0.1:8080)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	asJSON := jsonFlag(fs, `print {"status":"healthy","url"} (failures: exit 1 and one line on stderr)`)
	rest, err := parseCmd(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError("unexpected argument %q", rest[0])
	}
	if *timeout <= 0 {
		return usageError("--timeout must be positive")
	}
	a := *addr
	if a == "" {
		a = stdio.Getenv("SAMO_ADDR")
	}
	if a == "" {
		a = "127.0.0.1:8080"
	}
	target, err := healthTarget(a)
	if err != nil {
		return usageError("%v", err)
	}
	client := &http.Client{Timeout: *timeout}
	scheme := "http"
	if certFile := stdio.Getenv("TLS_CERT_FILE"); certFile != "" {
		scheme = "https"
		tc, err := healthTLS(certFile)
		if err != nil {
			return err
		}
		client.Transport = &http.Transport{TLSClientConfig: tc}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+target+"/health", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return fmt.Errorf("unhealthy: %s did not answer within %s", target, *timeout)
		}
		return fmt.Errorf("unhealthy: cannot reach %s", target)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: /health answered %d", resp.StatusCode)
	}
	if *asJSON {
		return printJSON(stdio, map[string]string{"status": "healthy", "url": req.URL.String()})
	}
	fmt.Fprintln(stdio.Stdout, "healthy")
	return nil
}

// healthTarget turns a listen address into one to connect to: a wildcard
// host (0.0.0.0, ::, empty) becomes the loopback address of its family.
func healthTarget(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("address %q is not host:port", addr)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port), nil
}

// healthTLS trusts the system roots plus the server's own certificate (a
// self-signed one included) and expects the certificate's first DNS name,
// since the check connects to a loopback address.
func healthTLS(certFile string) (*tls.Config, error) {
	pemData, err := os.ReadFile(certFile) // #nosec G304 -- TLS_CERT_FILE is operator configuration
	if err != nil {
		return nil, fmt.Errorf("reading TLS_CERT_FILE: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pemData) {
		return nil, errors.New("TLS_CERT_FILE holds no PEM certificate")
	}
	tc := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if block, _ := pem.Decode(pemData); block != nil {
		if leaf, err := x509.ParseCertificate(block.Bytes); err == nil && len(leaf.DNSNames) > 0 && len(leaf.IPAddresses) == 0 {
			tc.ServerName = leaf.DNSNames[0]
		}
	}
	return tc, nil
}

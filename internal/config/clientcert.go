package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"
)

// maxCertFileSize bounds BACKEND_CLIENT_CERT_FILE (a certificate chain).
const maxCertFileSize = 1 << 20

// ClientCertExpiryWarning is how long before its expiry `samo check` warns
// about BACKEND_CLIENT_CERT_FILE.
const ClientCertExpiryWarning = 14 * 24 * time.Hour

// BackendClientCert returns the certificate and key SAMO presents to
// PostgreSQL, Redis and the model server (BACKEND_CLIENT_CERT_FILE and
// BACKEND_CLIENT_KEY_FILE), loaded once by LoadFlags, with Leaf set; nil
// when they are not set. A new pair takes effect at the next start.
func (c *Config) BackendClientCert() *tls.Certificate { return c.backendClientCert }

// loadBackendClientCert reads BACKEND_CLIENT_CERT_FILE and
// BACKEND_CLIENT_KEY_FILE into c.backendClientCert, adding a problem (never
// quoting the key) when only one is set, a file is missing, unreadable or
// unsafe, the two do not make a pair, or the certificate is not for client
// authentication.
func (c *Config) loadBackendClientCert(p *problems) {
	c.backendClientCert = nil
	certFile, keyFile := c.BackendClientCertFile, c.BackendClientKeyFile
	switch {
	case certFile == "" && keyFile == "":
		return
	case certFile == "" || keyFile == "":
		name := "BACKEND_CLIENT_CERT_FILE"
		if keyFile == "" {
			name = "BACKEND_CLIENT_KEY_FILE"
		}
		p.add(name, ErrInvalidValue, "BACKEND_CLIENT_CERT_FILE and BACKEND_CLIENT_KEY_FILE must be set together")
		return
	}
	cert, fe := loadClientPair(certFile, keyFile, os.Getuid())
	if fe != nil {
		*p = append(*p, fe)
		return
	}
	c.backendClientCert = cert
}

// loadClientPair reads the key file as a secret (a regular file, owned by
// uid or root, not writable by group or others: checkTrusted), then the
// certificate file, and returns the pair with its Leaf parsed.
func loadClientPair(certFile, keyFile string, uid int) (*tls.Certificate, *FieldError) {
	fileErr := func(name string, err error) *FieldError {
		return &FieldError{Name: name, Reason: err.Error(), Kind: kindOf(err), Err: err}
	}
	keyPEM, st, err := readSmallFile(keyFile, maxSecretFileSize)
	if err != nil {
		return nil, fileErr("BACKEND_CLIENT_KEY_FILE", err)
	}
	if err := checkTrusted(keyFile, st, uid); err != nil {
		return nil, fileErr("BACKEND_CLIENT_KEY_FILE", err)
	}
	certPEM, _, err := readSmallFile(certFile, maxCertFileSize)
	if err != nil {
		return nil, fileErr("BACKEND_CLIENT_CERT_FILE", err)
	}
	// tls.LoadX509KeyPair on the bytes read above, so the key checked is
	// the key loaded. Its errors name what is wrong, never key material.
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, &FieldError{Name: "BACKEND_CLIENT_CERT_FILE", Kind: ErrInvalidValue, Err: err,
			Reason: fmt.Sprintf("%s and BACKEND_CLIENT_KEY_FILE %s are not a PEM certificate and its private key: %v", certFile, keyFile, err)}
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, &FieldError{Name: "BACKEND_CLIENT_CERT_FILE", Kind: ErrInvalidValue, Err: err, Reason: fmt.Sprintf("%s: %v", certFile, err)}
		}
	}
	if eku := cert.Leaf.ExtKeyUsage; len(eku) > 0 && !slices.Contains(eku, x509.ExtKeyUsageClientAuth) && !slices.Contains(eku, x509.ExtKeyUsageAny) {
		return nil, &FieldError{Name: "BACKEND_CLIENT_CERT_FILE", Kind: ErrInvalidValue, Err: errors.New("no clientAuth extended key usage"),
			Reason: fmt.Sprintf("%s is not a client certificate (its extended key usage lacks clientAuth): backends would refuse it", certFile)}
	}
	return &cert, nil
}

// clientCertValidity says why the backend client certificate is not
// valid at now ("" when it is, or when none is configured).
func (c *Config) clientCertValidity(now time.Time) string {
	cert := c.backendClientCert
	switch {
	case cert == nil:
		return ""
	case now.After(cert.Leaf.NotAfter):
		return fmt.Sprintf("the certificate expired on %s; issue a new one (deploy/internal-tls.sh for the Compose deployment) and restart", cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
	case now.Before(cert.Leaf.NotBefore):
		return fmt.Sprintf("the certificate is not valid before %s", cert.Leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	return ""
}

package app

import (
	"github.com/samo-brain/samo/internal/gateway"
)

// buildGateway returns the upstream predictor of gateway mode
// (MODEL_BACKEND_URL set): the model server answers, everything in front of
// it is unchanged. The breaker uses the wall clock.
func (a *App) buildGateway() (Predictor, error) {
	roots, err := a.Cfg.BackendRootCAs()
	if err != nil {
		return nil, err
	}
	g, err := gateway.New(gateway.Config{
		URL:        a.Cfg.ModelBackendURL,
		Format:     gateway.Format(a.Cfg.ModelBackendFormat),
		Timeout:    a.Cfg.ModelBackendTimeout,
		Events:     a.Events,
		RootCAs:    roots,
		ClientCert: a.Cfg.BackendClientCert(),
	})
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() error { g.Close(); return nil })
	a.Log.Info("gateway mode: predictions come from the upstream model server",
		"format", string(gateway.Format(a.Cfg.ModelBackendFormat)), "timeout", a.Cfg.ModelBackendTimeout.String())
	return g, nil
}

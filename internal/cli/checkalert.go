package cli

// The alerting part of `samo check`: the webhook, its signing secret, a
// reachability probe, and scheduled reports.

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/alert"
)

// alerting checks the webhook: configured, https, signed, reachable.
func (c *checker) alerting(ctx context.Context) {
	cfg := c.cfg
	hook := cfg.SecurityAlertWebhook
	problems := c.prodProblems("SECURITY_ALERT_WEBHOOK")
	if hook == "" {
		status := checkWarn
		if cfg.Production() {
			status = checkFail
		}
		c.add(status, "alert_webhook", "SECURITY_ALERT_WEBHOOK not set: high and critical events are stored and logged but nobody is alerted")
		c.reports(false)
		return
	}
	u, err := url.Parse(hook)
	switch {
	case err != nil:
		c.add(checkFail, "alert_webhook", "SECURITY_ALERT_WEBHOOK does not parse")
	case len(problems) > 0:
		c.add(checkFail, "alert_webhook", "SECURITY_ALERT_WEBHOOK %s", strings.Join(problems, "; "))
	case u.Scheme != "https":
		c.add(checkWarn, "alert_webhook", "%s is not https: alerts travel in clear text", u.Redacted())
	default:
		c.add(checkPass, "alert_webhook", "https webhook at %s", u.Host)
	}
	if !cfg.SecurityAlertSecret.IsSet() {
		c.prodProblems("SECURITY_ALERT_SECRET")
		c.add(checkFail, "alert_signing", "SECURITY_ALERT_SECRET not set: alerts go unsigned and receivers cannot verify them")
	} else if len(c.prod["SECURITY_ALERT_SECRET"]) == 0 {
		c.add(checkPass, "alert_signing", "alerts signed with HMAC-SHA256 (Standard Webhooks headers)")
	}
	c.reports(true)
	if err == nil && !c.opt.offline {
		c.probe(ctx, u)
	}
}

// probe sends a HEAD request with a short timeout through the same
// SSRF-safe client the outbox uses: any HTTP answer means reachable.
func (c *checker) probe(ctx context.Context, u *url.URL) {
	client := c.opt.probe
	if client == nil {
		client = alert.NewClient(alert.ClientConfig{AllowPrivate: c.cfg.SecurityAlertAllowPrivate, Timeout: 5 * time.Second})
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u.String(), nil)
	if err != nil {
		c.add(checkFail, "alert_reachable", "the webhook URL cannot be requested")
		return
	}
	req.Header.Set("User-Agent", "samo-check/1")
	resp, err := client.Do(req)
	switch {
	case errors.Is(err, alert.ErrRefused):
		c.add(checkFail, "alert_reachable", "deliveries would be refused: %v", innermost(err))
	case err != nil:
		c.add(checkWarn, "alert_reachable", "%s did not answer a HEAD probe: %v", u.Host, innermost(err))
	default:
		_ = resp.Body.Close()
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			c.add(checkWarn, "alert_reachable", "%s answers with a redirect (%d), which deliveries do not follow", u.Host, resp.StatusCode)
			return
		}
		c.add(checkPass, "alert_reachable", "%s answered a HEAD probe (HTTP %d)", u.Host, resp.StatusCode)
	}
}

// innermost strips url.Error and net.OpError wrappers (which carry the
// URL) down to the cause.
func innermost(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		err = oe.Err
	}
	return err
}

func (c *checker) reports(webhook bool) {
	switch d := c.cfg.SecurityReportInterval; {
	case d <= 0:
		c.add(checkWarn, "security_reports", "SECURITY_REPORT_INTERVAL=0: no scheduled reports (samo report still works)")
	case !webhook:
		c.add(checkWarn, "security_reports", "reports every %s have nowhere to go without SECURITY_ALERT_WEBHOOK", d)
	default:
		c.add(checkPass, "security_reports", "a security report every %s to the webhook", d)
	}
}

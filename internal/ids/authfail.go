package ids

import (
	"context"
	"net/netip"

	"github.com/samo-brain/samo/internal/ratelimit"
	"github.com/samo-brain/samo/internal/reqctx"
)

// AuthFailKey is the rate-limit key of a's budget of failed
// authentications (IPv6 by /64, like Subject).
func AuthFailKey(a netip.Addr) string { return "authfail:" + Subject(a, 64).String() }

// AuthFailBudget reports the failed-authentication budget of the client
// address of the request in ctx under policy p, without spending it.
//
// When the IP rate-limit step already read the budget for this request
// (reqctx.Info.AuthFailBudget), that reading is returned and l is not
// called: the same decision, without a round trip of its own. Otherwise it
// is l.Peek of AuthFailKey(ClientIP), which counts nothing, so clients that
// authenticate correctly are never throttled by the check. A nil l or a
// policy with no limit means there is no budget, never exhausted. A
// request without reqctx.Info is read under the zero address's key. Spend
// the budget with l.Allow(ctx, AuthFailKey(addr), p) on each failure.
func AuthFailBudget(ctx context.Context, l ratelimit.Limiter, p ratelimit.Policy) (reqctx.Budget, error) {
	if l == nil || p.Limit <= 0 {
		return reqctx.Budget{}, nil
	}
	var addr netip.Addr
	if info, ok := reqctx.From(ctx); ok {
		if info.AuthFailBudget != nil {
			return *info.AuthFailBudget, nil
		}
		addr = info.ClientIP
	}
	dec, err := l.Peek(ctx, AuthFailKey(addr), p)
	if err != nil {
		return reqctx.Budget{}, err
	}
	return reqctx.Budget{Exhausted: !dec.Allowed, RetryAfter: dec.RetryAfter}, nil
}

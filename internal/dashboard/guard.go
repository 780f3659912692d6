package dashboard

import (
	"context"
	"errors"
	"net/http"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/session"
	"github.com/samo-brain/samo/internal/users"
)

// EventCrossOrigin is the security event of a refused cross-origin
// state-changing request (a CSRF attempt, or a misconfigured proxy).
const EventCrossOrigin secevent.Type = "cross_origin_refused"

// Session cookie names: over HTTPS the __Host- prefix makes browsers refuse
// the cookie unless it is Secure, set over HTTPS, without a Domain and with
// Path=/, so no other host or path can set or shadow it (ASVS V3.3.3). Plain
// HTTP (development) cannot have a Secure cookie; it gets the bare name,
// limited to the dashboard's path.
const (
	cookieName       = "samo_session"
	secureCookieName = "__Host-samo_session"
)

// viewer is the signed-in principal of a request (nil p on public routes
// without a session) and its session id.
type viewer struct {
	sid string
	p   *reqctx.Principal
}

// Admin reports whether the viewer may take admin actions.
func (v *viewer) Admin() bool { return v != nil && v.p.Can(rbac.Admin) }

// wrap runs one route: record the route, refuse cross-origin state
// changes, find the session, re-check its key and user, check the
// permission, then handle and render any error.
func (db *Dashboard) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, ok := reqctx.From(r.Context())
		if !ok {
			info = &reqctx.Info{Start: db.d.Now()}
			r = r.WithContext(reqctx.With(r.Context(), info))
		}
		info.Route = rt.method + " " + rt.pattern
		v := &viewer{}
		if err := db.cop.Check(r); err != nil {
			// Not fed to intrusion detection: the address is the victim's
			// browser, and blocking it would hand attackers a lever.
			db.d.Events.Record(r.Context(), secevent.New(r.Context(), EventCrossOrigin, secevent.Medium, db.d.Now(),
				map[string]string{"method": r.Method, "surface": "dashboard"}))
			db.fail(w, r, v, failf(http.StatusForbidden, "Cross-origin request refused: dashboard forms only work from the dashboard's own pages."))
			return
		}
		sid, s, found, err := db.session(r)
		if err != nil {
			db.fail(w, r, v, unavailable(err))
			return
		}
		if found {
			p, err := db.recheck(r.Context(), s)
			if errors.Is(err, errSessionEnded) {
				db.endSession(r.Context(), sid)
				db.clearCookie(w, r)
				if rt.perm != public {
					http.Redirect(w, r, "/dashboard/login?m=ended", http.StatusSeeOther)
					return
				}
			} else if err != nil {
				db.fail(w, r, v, unavailable(err))
				return
			} else {
				v.sid, v.p = sid, p
				info.Principal = p
			}
		}
		if rt.perm != public {
			if v.p == nil {
				target := "/dashboard/login"
				if db.hasCookie(r) {
					target += "?m=expired"
					db.clearCookie(w, r)
				}
				http.Redirect(w, r, target, http.StatusSeeOther)
				return
			}
			if db.d.RequireTOTP && !beforeEnrolment(rt.pattern) {
				enrolled, err := db.d.SecondFactor.Enrolled(r.Context(), v.p.UserID)
				if err != nil {
					db.fail(w, r, v, unavailable(err)) // fail closed
					return
				}
				if !enrolled {
					http.Redirect(w, r, "/dashboard/two-factor", http.StatusSeeOther)
					return
				}
			}
			if !v.p.Can(rt.perm) {
				db.d.Events.Record(r.Context(), secevent.New(r.Context(), secevent.PermissionDenied, secevent.Medium, db.d.Now(),
					map[string]string{"permission": string(rt.perm), "role": string(v.p.Role), "surface": "dashboard"}))
				_ = db.d.IDS.Observe(r.Context(), info.ClientIP, ids.SignalForbidden, "")
				db.fail(w, r, v, failf(http.StatusForbidden, "Your role does not allow this: it needs the "+string(rt.perm)+" permission."))
				return
			}
		}
		if err := rt.handle(w, r, v); err != nil {
			db.fail(w, r, v, err)
		}
	})
}

// errSessionEnded means the session's key or user no longer allows it.
var errSessionEnded = errors.New("dashboard: session ended")

// recheck re-reads the session's key and user on every request, so a
// revoked, suspended, expired or rotated key, a deleted or disabled user, a
// session signed in before the user's session cut-off (a second-factor
// change, signing everyone out: endsessions.go) or a demotion to the user
// role ends the session at once. Store failures fail closed.
func (db *Dashboard) recheck(ctx context.Context, s session.Session) (*reqctx.Principal, error) {
	k, err := db.d.Keys.Check(ctx, s.KeyID)
	if errors.Is(err, apikey.ErrRevoked) || errors.Is(err, apikey.ErrExpired) || errors.Is(err, apikey.ErrSuspended) ||
		errors.Is(err, apikey.ErrNotFound) || errors.Is(err, apikey.ErrMalformed) {
		return nil, errSessionEnded
	}
	if err != nil {
		return nil, err
	}
	if k.UserID != s.UserID || k.ReplacedBy != "" {
		// A key replaced by rotation serves data during its grace
		// period, never the dashboard.
		return nil, errSessionEnded
	}
	u, err := db.d.Users.UserByID(ctx, s.UserID)
	if errors.Is(err, users.ErrNotFound) {
		return nil, errSessionEnded
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled() || u.SessionEnded(s.Created) {
		return nil, errSessionEnded
	}
	p := &reqctx.Principal{UserID: u.ID, UserName: u.Name, Role: u.Role, KeyID: s.KeyID, Method: reqctx.MethodSession}
	if !p.Can(read) {
		return nil, errSessionEnded
	}
	return p, nil
}

func (db *Dashboard) cookieName(r *http.Request) string {
	if db.isHTTPS(r) {
		return secureCookieName
	}
	return cookieName
}

// cookiePath is "/" for the __Host- cookie (the prefix requires it; the API
// ignores cookies) and the dashboard's prefix otherwise.
func (db *Dashboard) cookiePath(r *http.Request) string {
	if db.isHTTPS(r) {
		return "/"
	}
	return Prefix
}

// session returns the live session named by the request's cookie; err
// means the session store could not answer.
func (db *Dashboard) session(r *http.Request) (string, session.Session, bool, error) {
	c, err := r.Cookie(db.cookieName(r))
	if err != nil {
		return "", session.Session{}, false, nil
	}
	s, ok, err := db.sessions.get(r.Context(), c.Value)
	return c.Value, s, ok, err
}

// endSession deletes session sid. A failure is logged: the session stays
// refused, since every request re-checks its key and user, and it expires
// by itself.
func (db *Dashboard) endSession(ctx context.Context, sid string) {
	if err := db.sessions.delete(ctx, sid); err != nil {
		db.d.Log.Error("dashboard: cannot delete a session", "error", err)
	}
}

func (db *Dashboard) hasCookie(r *http.Request) bool {
	_, err := r.Cookie(db.cookieName(r))
	return err == nil
}

// setCookie sends the session id: HttpOnly, SameSite=Strict, and over
// HTTPS Secure with the __Host- prefix (Path=/); over plain HTTP limited to
// the dashboard's path.
// It has no Max-Age: it is a browser-session cookie, and the server ends the
// session on its own timeouts.
func (db *Dashboard) setCookie(w http.ResponseWriter, r *http.Request, sid string) {
	// #nosec G124 -- Secure is set whenever the browser connection is HTTPS; on plain-HTTP development servers a Secure cookie would be dropped
	http.SetCookie(w, &http.Cookie{Name: db.cookieName(r), Value: sid, Path: db.cookiePath(r),
		HttpOnly: true, Secure: db.isHTTPS(r), SameSite: http.SameSiteStrictMode})
}

func (db *Dashboard) clearCookie(w http.ResponseWriter, r *http.Request) {
	// #nosec G124 -- as in setCookie; this deletes the cookie
	http.SetCookie(w, &http.Cookie{Name: db.cookieName(r), Value: "", Path: db.cookiePath(r), MaxAge: -1,
		HttpOnly: true, Secure: db.isHTTPS(r), SameSite: http.SameSiteStrictMode})
}

// flash stores a one-time notice for the viewer's next page (a notice
// the store cannot take is logged and lost: the action itself is done).
func (db *Dashboard) flash(ctx context.Context, v *viewer, kind, msg string) {
	if err := db.sessions.setFlash(ctx, v.sid, msg, kind); err != nil {
		db.d.Log.Error("dashboard: cannot store a notice", "error", err)
	}
}

// done stores a notice and redirects (POST/redirect/GET).
func (db *Dashboard) done(w http.ResponseWriter, r *http.Request, v *viewer, kind, msg, to string) error {
	db.flash(r.Context(), v, kind, msg)
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

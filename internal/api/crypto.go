package api

import (
	"context"
	"net/http"

	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/rbac"
)

// Rotation starts and reports online encryption-key rotations.
type Rotation interface {
	Start(ctx context.Context) error
	Status() any
}

func (a *API) cryptoRoutes() []Route {
	return []Route{
		{http.MethodPost, "/v1/admin/crypto/rotate", perm(rbac.Admin), "Start an online encryption-key rotation", a.startRotation},
		{http.MethodGet, "/v1/admin/crypto/rotation", perm(rbac.Admin), "Progress of the current or last key rotation", a.rotationStatus},
	}
}

func (a *API) startRotation(w http.ResponseWriter, r *http.Request) error {
	if a.Rotation == nil {
		return problem.Errorf(http.StatusNotFound, "not_found", "Key rotation is not available.")
	}
	if err := a.Rotation.Start(r.Context()); err != nil {
		return &problem.Error{Status: http.StatusConflict, Code: "rotation_not_started", Title: "Conflict", Detail: "The rotation could not start: " + err.Error(), Cause: err}
	}
	writeJSON(w, http.StatusAccepted, a.Rotation.Status())
	return nil
}

func (a *API) rotationStatus(w http.ResponseWriter, _ *http.Request) error {
	if a.Rotation == nil {
		return problem.Errorf(http.StatusNotFound, "not_found", "Key rotation is not available.")
	}
	writeJSON(w, http.StatusOK, a.Rotation.Status())
	return nil
}

package cli

import (
	"errors"
	"fmt"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/store"
	"github.com/samo-brain/samo/internal/users"
)

// The helpers below turn domain errors into the one clear line Main prints
// ("no API key with ID …"), instead of the internal chain of wrapped
// package errors. Unknown errors pass through unchanged.

// isNotFound reports whether err says a looked-up record does not exist.
func isNotFound(err error) bool {
	return errors.Is(err, store.ErrNotFound) || errors.Is(err, apikey.ErrNotFound) ||
		errors.Is(err, users.ErrNotFound) || errors.Is(err, incident.ErrNotFound)
}

// keyError describes an error about the API key id.
func keyError(id string, err error) error {
	switch {
	case isNotFound(err):
		return fmt.Errorf("no API key with ID %q (see \"samo keys list\")", id)
	case errors.Is(err, apikey.ErrRevoked):
		return fmt.Errorf("API key %s is revoked", id)
	case errors.Is(err, apikey.ErrExpired):
		return fmt.Errorf("API key %s has expired", id)
	case errors.Is(err, apikey.ErrRotated):
		return fmt.Errorf("API key %s was already rotated", id)
	case errors.Is(err, apikey.ErrConflict):
		return fmt.Errorf("API key %s changed concurrently; try again", id)
	}
	return err
}

// userError describes an error about the user name.
func userError(name string, err error) error {
	if isNotFound(err) {
		return fmt.Errorf("no user %q", name)
	}
	return err
}

// incidentError describes an error about the incident id.
func incidentError(id string, err error) error {
	switch {
	case isNotFound(err):
		return fmt.Errorf("no incident with ID %q (see \"samo incidents list\")", id)
	case errors.Is(err, incident.ErrTransition):
		return fmt.Errorf("incident %s cannot change to that status from its current one", id)
	}
	return err
}

package mfa

import (
	"context"
	"crypto/sha256"
	"errors"

	"github.com/samo-brain/samo/internal/randid"
)

// challengeIDBytes is the entropy of a challenge id (256 bits).
const challengeIDBytes = 32

// validChallengeID reports whether id has the shape of a challenge id (43
// base64url characters), so garbage cookies never reach the store
// (randid.Valid checks the alphabet, which decoding alone would not:
// found by FuzzChallengeID).
func validChallengeID(id string) bool { return randid.Valid(id, challengeIDBytes) }

func challengeHash(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

// StartChallenge records that keyID of userID passed the first sign-in
// step and returns the id the browser keeps; expired challenges are
// purged on the way.
func (s *Service) StartChallenge(ctx context.Context, userID, keyID string) (string, error) {
	id := randid.New("", challengeIDBytes)
	now := s.now().UTC()
	err := s.store.CreateChallenge(ctx, challengeHash(id), Challenge{UserID: userID, KeyID: keyID, Created: now}, now.Add(-ChallengeTTL))
	if err != nil {
		return "", err
	}
	return id, nil
}

// Challenge returns the live challenge id names, or ErrNoChallenge (an
// expired one is deleted).
func (s *Service) Challenge(ctx context.Context, id string) (Challenge, error) {
	if !validChallengeID(id) {
		return Challenge{}, ErrNoChallenge
	}
	c, err := s.store.Challenge(ctx, challengeHash(id))
	if err != nil {
		return Challenge{}, err
	}
	if !s.now().Before(c.Created.Add(ChallengeTTL)) || c.Failures >= MaxFailures {
		if _, err := s.store.DeleteChallenge(ctx, challengeHash(id)); err != nil {
			return Challenge{}, err
		}
		return Challenge{}, ErrNoChallenge
	}
	return c, nil
}

// FailChallenge counts a wrong code against the challenge and returns how
// many codes it still takes; at MaxFailures it deletes the challenge and
// returns 0.
func (s *Service) FailChallenge(ctx context.Context, id string) (int, error) {
	if !validChallengeID(id) {
		return 0, ErrNoChallenge
	}
	n, err := s.store.FailChallenge(ctx, challengeHash(id))
	if errors.Is(err, ErrNoChallenge) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if n >= MaxFailures {
		if _, err := s.store.DeleteChallenge(ctx, challengeHash(id)); err != nil {
			return 0, err
		}
		return 0, nil
	}
	return MaxFailures - n, nil
}

// EndChallenge deletes the challenge: it is used (its code was accepted)
// or abandoned. It returns ErrNoChallenge when it was already gone, so of
// two requests racing with one challenge only one proceeds.
func (s *Service) EndChallenge(ctx context.Context, id string) error {
	if !validChallengeID(id) {
		return ErrNoChallenge
	}
	ok, err := s.store.DeleteChallenge(ctx, challengeHash(id))
	if err != nil {
		return err
	}
	if !ok {
		return ErrNoChallenge
	}
	return nil
}

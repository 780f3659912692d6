package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// CreateKey creates an API key (admin; POST /v1/admin/keys). The answer
// carries the key's only appearance.
func (c *Client) CreateKey(ctx context.Context, req CreateKeyRequest) (*CreatedKey, error) {
	var k CreatedKey
	if err := c.do(ctx, call{method: http.MethodPost, path: "/v1/admin/keys", body: req, out: &k}); err != nil {
		return nil, err
	}
	return &k, nil
}

// ListKeys lists API keys (admin; GET /v1/admin/keys), newest first, only
// userID's when it is not empty. It follows next_cursor across every page.
func (c *Client) ListKeys(ctx context.Context, userID string) ([]Key, error) {
	q := url.Values{"limit": {"500"}}
	if userID != "" {
		q.Set("user_id", userID)
	}
	var keys []Key
	for {
		var out struct {
			Keys       []Key  `json:"keys"`
			NextCursor string `json:"next_cursor"`
		}
		if err := c.do(ctx, call{method: http.MethodGet, path: "/v1/admin/keys", query: q, out: &out}); err != nil {
			return nil, err
		}
		keys = append(keys, out.Keys...)
		if out.NextCursor == "" || out.NextCursor == q.Get("cursor") {
			return keys, nil
		}
		q.Set("cursor", out.NextCursor)
	}
}

// RevokeKey revokes an API key at once (admin; DELETE /v1/admin/keys/{id}).
func (c *Client) RevokeKey(ctx context.Context, id string) error {
	return c.do(ctx, call{method: http.MethodDelete, path: "/v1/admin/keys/" + url.PathEscape(id)})
}

// RotateKey replaces an API key (admin; POST /v1/admin/keys/{id}/rotate);
// the old key keeps working for grace (0: the server's default).
func (c *Client) RotateKey(ctx context.Context, id string, grace time.Duration) (*CreatedKey, error) {
	var body any
	if grace > 0 {
		body = struct {
			Grace string `json:"grace"`
		}{grace.String()}
	}
	var k CreatedKey
	if err := c.do(ctx, call{method: http.MethodPost, path: "/v1/admin/keys/" + url.PathEscape(id) + "/rotate", body: body, out: &k}); err != nil {
		return nil, err
	}
	return &k, nil
}

package client_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samo-brain/samo/client"
)

// The examples run against a real SAMO server started in-process (see
// server_test.go) with a deterministic stand-in model.

func Example() {
	srv, adminKey := mustStart(nil)
	defer srv.Close()
	ctx := context.Background()

	c, err := client.New(srv.URL, client.WithAPIKey(adminKey))
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := c.Predict(ctx, "We won the championship!", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s (%.2f), model %s\n", p.PrimaryEmotion, p.Confidence, p.ModelVersion)
	for _, e := range p.Emotions {
		fmt.Printf("  %-10s %.2f\n", e.Emotion, e.Confidence)
	}
	// Output:
	// joy (0.91), model stand-in-1
	//   joy        0.91
	//   excitement 0.64
}

func ExampleClient_Predict_ekman() {
	srv, adminKey := mustStart(nil)
	defer srv.Close()
	c, _ := client.New(srv.URL, client.WithAPIKey(adminKey))
	p, err := c.Predict(context.Background(), "I'm scared of the exam", &client.PredictOptions{Taxonomy: "ekman", Threshold: client.Threshold(0.3)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Taxonomy, p.PrimaryEmotion)
	// Output:
	// ekman fear
}

func ExampleClient_PredictBatch() {
	srv, adminKey := mustStart(nil)
	defer srv.Close()
	c, _ := client.New(srv.URL, client.WithAPIKey(adminKey))
	res, err := c.PredictBatch(context.Background(), []string{"thank you for the help", "", "I'm scared"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, it := range res.Results {
		if it.Error != nil {
			fmt.Println(it.Index, "error:", it.Error.Code)
			continue
		}
		fmt.Println(it.Index, it.Prediction.PrimaryEmotion)
	}
	fmt.Printf("%d succeeded, %d failed\n", res.Succeeded, res.Failed)
	// Output:
	// 0 gratitude
	// 1 error: too_short
	// 2 fear
	// 2 succeeded, 1 failed
}

func ExampleClient_UploadBatch() {
	srv, adminKey := mustStart(nil)
	defer srv.Close()
	c, _ := client.New(srv.URL, client.WithAPIKey(adminKey))
	file := strings.NewReader("thank you all\nso scared right now\n")
	res, err := c.UploadBatch(context.Background(), "journal.txt", file, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, it := range res.Results {
		fmt.Println(it.Index, it.Prediction.PrimaryEmotion)
	}
	// Output:
	// 0 gratitude
	// 1 fear
}

func ExampleClient_AllPredictions() {
	srv, adminKey := mustStart(nil)
	defer srv.Close()
	ctx := context.Background()
	c, _ := client.New(srv.URL, client.WithAPIKey(adminKey))
	for _, text := range []string{"thank you", "great news", "scared", "thank you again", "so happy"} {
		if _, err := c.Predict(ctx, text, nil); err != nil {
			fmt.Println(err)
			return
		}
	}
	// Pages of two, followed through next_cursor.
	counts := map[string]int{}
	for p, err := range c.AllPredictions(ctx, client.ListOptions{Limit: 2}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		counts[p.PrimaryEmotion]++
	}
	fmt.Println(counts)
	// Output:
	// map[fear:1 gratitude:2 joy:2]
}

func ExampleClient_Token() {
	srv, adminKey := mustStart(nil)
	defer srv.Close()
	ctx := context.Background()
	keys, _ := client.New(srv.URL, client.WithAPIKey(adminKey))

	pair, err := keys.Token(ctx) // exchange the API key
	if err != nil {
		fmt.Println(err)
		return
	}
	bearer, _ := client.New(srv.URL, client.WithBearer(pair.AccessToken))
	p, err := bearer.Predict(ctx, "thank you", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("with a bearer token:", p.PrimaryEmotion)

	next, err := keys.Refresh(ctx, pair.RefreshToken) // rotate
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("refreshed:", next.TokenType, next.AccessToken != pair.AccessToken)

	_, err = keys.Refresh(ctx, pair.RefreshToken) // the spent one, again
	var e *client.Error
	if errors.As(err, &e) {
		fmt.Println("reuse:", e.Status, e.Code)
	}
	// Output:
	// with a bearer token: gratitude
	// refreshed: Bearer true
	// reuse: 401 refresh_token_reused
}

func ExampleClient_Logout() {
	srv, adminKey := mustStart(nil)
	defer srv.Close()
	ctx := context.Background()
	keys, _ := client.New(srv.URL, client.WithAPIKey(adminKey))
	pair, err := keys.Token(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	bearer, _ := client.New(srv.URL, client.WithBearer(pair.AccessToken))
	fmt.Println("logout:", bearer.Logout(ctx))
	_, err = bearer.Predict(ctx, "hello", nil)
	fmt.Println("after logout, unauthorized:", client.IsUnauthorized(err))
	// Output:
	// logout: <nil>
	// after logout, unauthorized: true
}

func ExampleNewKeyTokenSource() {
	srv, adminKey := mustStart(nil)
	defer srv.Close()
	keys, _ := client.New(srv.URL, client.WithAPIKey(adminKey))
	// Requests carry bearer tokens, exchanged and refreshed as needed.
	c, _ := client.New(srv.URL, client.WithTokenSource(client.NewKeyTokenSource(keys)))
	for _, text := range []string{"great day", "thank you"} {
		p, err := c.Predict(context.Background(), text, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(p.PrimaryEmotion)
	}
	// Output:
	// joy
	// gratitude
}

func ExampleClient_CreateKey() {
	srv, adminKey := mustStart(nil)
	defer srv.Close()
	ctx := context.Background()
	admin, _ := client.New(srv.URL, client.WithAPIKey(adminKey))

	k, err := admin.CreateKey(ctx, client.CreateKeyRequest{User: "journal-app", Role: "user", Name: "production"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("created for", k.User, "as", k.Role, strings.HasPrefix(k.Key, "samo_"))

	app, _ := client.New(srv.URL, client.WithAPIKey(k.Key))
	if _, err := app.Predict(ctx, "thank you", nil); err != nil {
		fmt.Println(err)
		return
	}
	_, err = app.ListKeys(ctx, "")
	fmt.Println("a user listing keys is forbidden:", errors.Is(err, client.ErrForbidden))

	rotated, err := admin.RotateKey(ctx, k.ID, time.Hour)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := admin.RevokeKey(ctx, rotated.ID); err != nil {
		fmt.Println(err)
		return
	}
	revoked, _ := client.New(srv.URL, client.WithAPIKey(rotated.Key))
	_, err = revoked.Predict(ctx, "hi", nil)
	fmt.Println("revoked key refused:", client.IsUnauthorized(err))
	// Output:
	// created for journal-app as user true
	// a user listing keys is forbidden: true
	// revoked key refused: true
}

func ExampleError() {
	srv, adminKey := mustStart(nil)
	defer srv.Close()
	ctx := context.Background()
	admin, _ := client.New(srv.URL, client.WithAPIKey(adminKey))
	alice, _ := admin.CreateKey(ctx, client.CreateKeyRequest{User: "alice"})
	bob, _ := admin.CreateKey(ctx, client.CreateKeyRequest{User: "bob"})
	a, _ := client.New(srv.URL, client.WithAPIKey(alice.Key))
	b, _ := client.New(srv.URL, client.WithAPIKey(bob.Key))

	p, _ := a.Predict(ctx, "my secret diary", nil)
	_, err := b.Prediction(ctx, p.ID) // not Bob's
	fmt.Println("other user's prediction:", client.IsNotFound(err))

	_, err = a.Predict(ctx, "hello", &client.PredictOptions{Threshold: client.Threshold(2)})
	var e *client.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.Code, e.Fields[0].Field, e.Fields[0].Code, e.RequestID != "")
	}
	// Output:
	// other user's prediction: true
	// 400 invalid_request threshold out_of_range true
}

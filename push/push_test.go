package push_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/push"
)

var key = []byte("0123456789abcdef")

// TestSignatureHandComputed pins the signature to a value computed
// independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 0123456789abcdef
func TestSignatureHandComputed(t *testing.T) {
	t.Parallel()
	got := push.Sign(key, 1700000000, []byte(`{"a":1}`))
	want := "sha256=9eb18f493f8ec135d9eb2dad817c369bb4e9cbfa818657897a7437c1cd8c3a23"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	body := []byte(`{"key":"r/1"}`)
	now := time.Unix(1700000000, 0)
	header := func(ts int64, sig string) http.Header {
		h := http.Header{}
		h.Set(push.HeaderTimestamp, strconv.FormatInt(ts, 10))
		h.Set(push.HeaderSignature, sig)
		return h
	}
	good := push.Sign(key, now.Unix(), body)
	for _, c := range []struct {
		name string
		h    http.Header
		body []byte
		key  []byte
		want error
	}{
		{"good", header(now.Unix(), good), body, key, nil},
		{"body changed", header(now.Unix(), good), []byte(`{"key":"r/2"}`), key, push.ErrSignature},
		{"other secret", header(now.Unix(), good), body, []byte("another-secret-16"), push.ErrSignature},
		{"timestamp changed", header(now.Unix()+1, good), body, key, push.ErrSignature},
		{"no timestamp", http.Header{push.HeaderSignature: {good}}, body, key, push.ErrSignature},
		{"replayed", header(now.Unix()-600, push.Sign(key, now.Unix()-600, body)), body, key, push.ErrStale},
		{"from the future", header(now.Unix()+600, push.Sign(key, now.Unix()+600, body)), body, key, push.ErrStale},
	} {
		err := push.Verify(c.key, c.h, c.body, now, 5*time.Minute)
		if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%s: Verify = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		url string
		ok  bool
	}{
		{"https://hooks.example.com/paidan", true},
		{"http://127.0.0.1:8080/hook", true},
		{"http://localhost/hook", true},
		{"http://[::1]:9/x", true},
		{"http://hooks.example.com/paidan", false},
		{"http://10.0.0.1/hook", false},
		{"https://user:pass@hooks.example.com/", false},
		{"ftp://example.com/", false},
		{"/relative", false},
		{"https://example.com/#frag", false},
	} {
		err := push.CheckURL(c.url)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, push.ErrBadURL)) {
			t.Errorf("CheckURL(%q) = %v; want ok %v", c.url, err, c.ok)
		}
	}
}

func TestParseKinds(t *testing.T) {
	t.Parallel()
	got, err := push.ParseKinds("unassigned, assigned,assigned")
	if err != nil || len(got) != 2 || got[0] != push.Assigned || got[1] != push.Unassigned {
		t.Errorf("ParseKinds = %v, %v", got, err)
	}
	for _, bad := range []string{"", "assigned,", "moved"} {
		if _, err := push.ParseKinds(bad); !errors.Is(err, push.ErrBadEvents) {
			t.Errorf("ParseKinds(%q) = %v; want ErrBadEvents", bad, err)
		}
	}
}

// TestEvents: an assignment to the previous worker is assigned, to another
// one reassigned; left-out and refused tasks are unassigned with their
// reason.
func TestEvents(t *testing.T) {
	t.Parallel()
	batch := &paidan.Batch{Tasks: []paidan.Task{
		{ID: "t1"}, {ID: "t2", PreviousWorker: "w1"}, {ID: "t3", PreviousWorker: "w2"}, {ID: "t4"}, {ID: "t5"},
	}}
	plan := &paidan.Plan{
		Assignments: []paidan.Assignment{{Task: "t1", Worker: "w1"}, {Task: "t2", Worker: "w1"}, {Task: "t3", Worker: "w1"}, {Task: "t5", Worker: "w2"}},
		Unassigned:  []paidan.Unassigned{{Task: "t4", Reason: paidan.NoCapacity, Detail: "full"}},
	}
	got := push.Events(plan, batch, map[paidan.TaskID]string{"t5": "worker_full"})
	want := []push.Event{
		{Kind: push.Assigned, Task: "t1", Worker: "w1"},
		{Kind: push.Assigned, Task: "t2", Worker: "w1"},
		{Kind: push.Reassigned, Task: "t3", Worker: "w1", PreviousWorker: "w2"},
		{Kind: push.Unassigned, Task: "t4", Reason: paidan.NoCapacity.String(), Detail: "full"},
		{Kind: push.Unassigned, Task: "t5", Reason: "worker_full"},
	}
	if len(got) != len(want) {
		t.Fatalf("Events = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if f := push.Filter(got, []push.Kind{push.Reassigned}); len(f) != 1 || f[0].Task != "t3" {
		t.Errorf("Filter(reassigned) = %+v", f)
	}
}

// TestSend: a 2xx answer is success, anything else a *StatusError; the
// request carries a signature the receiver can verify; a redirect is not
// followed; plain http to a non-loopback host is refused before sending.
func TestSend(t *testing.T) {
	t.Parallel()
	var gotKey string
	status := http.StatusNoContent
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := push.Verify(key, r.Header, body, time.Now(), time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		gotKey = r.Header.Get(push.HeaderIdempotency)
		if status == http.StatusFound {
			http.Redirect(w, r, "http://127.0.0.1:1/elsewhere", status)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	ctx := context.Background()
	var s push.Sender
	if err := s.Send(ctx, srv.URL, key, "run-1/7", []byte(`{}`)); err != nil || gotKey != "run-1/7" {
		t.Fatalf("Send = %v, key %q", err, gotKey)
	}
	status = http.StatusInternalServerError
	var se *push.StatusError
	if err := s.Send(ctx, srv.URL, key, "k", []byte(`{}`)); !errors.As(err, &se) || se.Code != 500 {
		t.Errorf("Send to a 500 = %v; want a *StatusError 500", err)
	}
	status = http.StatusFound
	if err := s.Send(ctx, srv.URL, key, "k", []byte(`{}`)); err == nil {
		t.Error("Send followed a redirect or accepted a 302")
	}
	if err := s.Send(ctx, "http://192.0.2.1/hook", key, "k", []byte(`{}`)); !errors.Is(err, push.ErrBadURL) {
		t.Errorf("Send to plain http off loopback = %v; want ErrBadURL", err)
	}
}

// Package push is what a subscriber receives when a run is applied: the
// events a run makes (a task assigned, reassigned or left unassigned), the
// JSON body of a delivery, its HMAC-SHA256 signature, and the HTTP POST that
// carries it.
//
//	write-back ──► Events(plan, batch, refused) ──► job queue ──► Sender.Send ──► subscriber
//
// A delivery is a POST of a JSON Delivery with these headers:
//
//	Content-Type:      application/json
//	Paidan-Timestamp:  the Unix time of this attempt, in seconds
//	Paidan-Signature:  sha256=hex(HMAC-SHA256(secret, timestamp + "." + body))
//	Idempotency-Key:   the delivery's key, the same on every retry
//
// A receiver checks the signature with Verify (or the README's snippet),
// refuses a timestamp older than its tolerance (a replayed request), and
// drops a key it has already processed (a retry of a delivery it answered
// but whose answer was lost). Any 2xx answer is success; anything else, or
// no answer, is retried by the queue.
//
// Only https URLs are accepted, except plain http to a loopback host
// (127.0.0.0/8, ::1, localhost) for a sidecar or a test: CheckURL. Redirects
// are not followed.
//
// The package is pure but for Sender, which uses net/http.
package push

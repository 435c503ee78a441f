package river

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// Backoff is the retry policy of deliveries: after the n-th failed attempt
// the next comes after a delay drawn uniformly from [d/2, d], where
// d = min(Max, Base·2^(n-1)) ("equal jitter": retries of many deliveries
// that failed together spread out, and no wait is shorter than half the
// exponential one). The zero Backoff means Base 1s and Max 30 minutes. It
// implements River's ClientRetryPolicy; safe for concurrent use.
type Backoff struct {
	Base time.Duration // first delay before jitter; zero means 1 second
	Max  time.Duration // longest delay before jitter; zero means 30 minutes
}

// Validate reports a Backoff whose Max is below its Base.
func (b *Backoff) Validate() error {
	if b.Base < 0 || b.Max < 0 || b.max() < b.base() {
		return errors.New("jobs/river: Backoff needs 0 < Base <= Max")
	}
	return nil
}

func (b *Backoff) base() time.Duration { return orDefault(b.Base, time.Second) }
func (b *Backoff) max() time.Duration  { return orDefault(b.Max, 30*time.Minute) }

// Delay returns the delay after failed attempt n (1 for the first), before
// jitter.
func (b *Backoff) Delay(n int) time.Duration {
	d := b.base()
	for i := 1; i < n && d < b.max(); i++ {
		d *= 2
	}
	return min(d, b.max())
}

// NextRetry returns when job's next attempt is due: its last attempt's
// time (now when unknown) plus a jittered Delay. Attempts are counted by
// the job's recorded errors, so a snooze does not count as one.
func (b *Backoff) NextRetry(job *rivertype.JobRow) time.Time {
	n := len(job.Errors) + 1 // the failure being handled is not among them yet
	d := b.Delay(n)
	d = d/2 + rand.N(d/2+1)
	from := time.Now()
	if job.AttemptedAt != nil && job.AttemptedAt.After(from.Add(-time.Hour)) {
		from = *job.AttemptedAt
	}
	return from.Add(d)
}

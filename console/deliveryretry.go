package console

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
)

// DeliveryRetrier is a Store that can also re-enqueue a dead push
// delivery (console/postgres.Store is one). A Store that is not answers
// 404 on the retry form.
type DeliveryRetrier interface {
	// RetryDelivery puts dead delivery job back into its queue for one
	// more attempt and audits delivery.retry by by; it returns the
	// delivery's idempotency key. ErrNotFound when there is no such
	// delivery, ErrConflict when it is not dead.
	RetryDelivery(ctx context.Context, by Actor, job int64) (string, error)
}

// retryDeliveryForm serves POST /deliveries/dead/{id}/retry: an admin
// re-enqueues dead delivery id, and is sent back to the dead-letter page.
func (s *Server) retryDeliveryForm(w http.ResponseWriter, r *http.Request) error {
	dr, ok := s.o.Store.(DeliveryRetrier)
	if !ok {
		return fmt.Errorf("retry deliveries: %w", ErrNotFound)
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return invalidInput("delivery job %q: want a number", r.PathValue("id"))
	}
	if _, err := dr.RetryDelivery(r.Context(), principalOf(r).Actor(clientAddress(r)), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/deliveries/dead", http.StatusSeeOther)
	return nil
}

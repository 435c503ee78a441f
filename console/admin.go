package console

import (
	"fmt"
	"net/http"
	"strconv"
)

// The admin forms of the accounts page: change a role, disable or enable
// an account, revoke an API token or a worker token. Creating accounts and
// tokens stays in the shell (paidan account, paidan token, paidan
// worker-token), where a new password or token is printed once. An admin
// cannot lower their own role or disable their own account, so that the
// console never locks its last admin out.

func (s *Server) setRoleForm(w http.ResponseWriter, r *http.Request) error {
	login, err := pathName(r, "login")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return invalidInput("role form: %v", err)
	}
	role, err := ParseRole(r.PostForm.Get("role"))
	if err != nil {
		return err
	}
	p := principalOf(r)
	if login == p.Login && role != p.Role {
		return invalidInput("you cannot change your own role; another admin can")
	}
	if _, err := s.o.Store.UpdateAccount(r.Context(), p.Actor(clientAddress(r)), login, AccountChange{Role: &role}); err != nil {
		return err
	}
	http.Redirect(w, r, "/accounts", http.StatusSeeOther)
	return nil
}

func (s *Server) disableForm(disabled bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		login, err := pathName(r, "login")
		if err != nil {
			return err
		}
		p := principalOf(r)
		if login == p.Login && disabled {
			return invalidInput("you cannot disable your own account; another admin can")
		}
		if _, err := s.o.Store.UpdateAccount(r.Context(), p.Actor(clientAddress(r)), login, AccountChange{Disabled: &disabled}); err != nil {
			return err
		}
		http.Redirect(w, r, "/accounts", http.StatusSeeOther)
		return nil
	}
}

// pathTokenID returns r's {id}, a token number (of the kind what names),
// or an error wrapping ErrInvalidInput.
func pathTokenID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, invalidInput("%s id %q: want a number", what, r.PathValue("id"))
	}
	return id, nil
}

func (s *Server) revokeForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathTokenID(r, "token")
	if err != nil {
		return err
	}
	if _, err := s.o.Store.RevokeToken(r.Context(), principalOf(r).Actor(clientAddress(r)), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/accounts", http.StatusSeeOther)
	return nil
}

// revokeWorkerTokenForm revokes a worker token: its open stream ends at
// its next heartbeat and it opens no new one. A Store that keeps no worker
// tokens answers 404, as the stream does.
func (s *Server) revokeWorkerTokenForm(w http.ResponseWriter, r *http.Request) error {
	id, err := pathTokenID(r, "worker token")
	if err != nil {
		return err
	}
	ws, ok := s.o.Store.(WorkerStreamStore)
	if !ok {
		return fmt.Errorf("worker tokens: %w", ErrNotFound)
	}
	if _, err := ws.RevokeWorkerToken(r.Context(), principalOf(r).Actor(clientAddress(r)), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/accounts", http.StatusSeeOther)
	return nil
}

package console

import (
	"net/http"
	"strconv"
)

// The admin forms of the accounts page: change a role, disable or enable
// an account, revoke a token. Creating accounts and tokens stays in the
// shell (paidan account, paidan token), where a new password or token is
// printed once. An admin cannot lower their own role or disable their own
// account, so that the console never locks its last admin out.

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

func (s *Server) revokeForm(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return invalidInput("token id %q: want a number", r.PathValue("id"))
	}
	if _, err := s.o.Store.RevokeToken(r.Context(), principalOf(r).Actor(clientAddress(r)), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/accounts", http.StatusSeeOther)
	return nil
}

package console

import (
	"context"
	"crypto/rand"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// loginPattern is what a login may look like; the CHECK on
// paidan.account.login says the same.
var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// CheckLogin returns an error unless login is 1 to 63 characters of a-z,
// 0-9, '.', '_' and '-', starting with a letter or digit.
func CheckLogin(login string) error {
	if !loginPattern.MatchString(login) {
		return fmt.Errorf("%w: login %q: want 1-63 characters of a-z 0-9 . _ -, starting with a letter or digit", ErrInvalidInput, login)
	}
	return nil
}

// NewAccount is what CreateAccount needs.
type NewAccount struct {
	Login       string
	DisplayName string
	Role        Role
	Password    string
}

// CreateAccount validates a, hashes its password with p and stores it.
func CreateAccount(ctx context.Context, st Store, by Actor, a NewAccount, p Argon2Params) (Account, error) {
	if err := CheckLogin(a.Login); err != nil {
		return Account{}, err
	}
	if a.Role < RoleViewer || a.Role > RoleAdmin {
		return Account{}, fmt.Errorf("%w: %v", ErrInvalidRole, a.Role)
	}
	if !utf8.ValidString(a.DisplayName) || len(a.DisplayName) > 200 || strings.ContainsRune(a.DisplayName, 0) {
		return Account{}, fmt.Errorf("%w: display name: want at most 200 bytes of UTF-8 without NUL", ErrInvalidInput)
	}
	if err := CheckPassword(a.Password); err != nil {
		return Account{}, err
	}
	hash, err := HashPassword(a.Password, p)
	if err != nil {
		return Account{}, err
	}
	return st.CreateAccount(ctx, by, Account{Login: a.Login, DisplayName: a.DisplayName, Role: a.Role}, hash)
}

// ResetPassword validates pw, hashes it with p and makes it login's
// password, ending the account's sessions.
func ResetPassword(ctx context.Context, st Store, by Actor, login, pw string, p Argon2Params) error {
	if err := CheckPassword(pw); err != nil {
		return err
	}
	hash, err := HashPassword(pw, p)
	if err != nil {
		return err
	}
	_, err = st.UpdateAccount(ctx, by, login, AccountChange{PasswordHash: &hash})
	return err
}

// GeneratePassword returns a random password of 20 characters from an
// alphabet without look-alikes (about 113 bits), for a first admin or a
// reset, to be shown once.
func GeneratePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var b [20]byte
	rand.Read(b[:])
	var sb strings.Builder
	for _, c := range b {
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String()
}

// NewTokenSpec is what IssueToken needs.
type NewTokenSpec struct {
	Account string // the login the token acts for
	Name    string // what it is for, e.g. "bi-export"
	Role    Role   // at most the account's role
	TTL     time.Duration
}

// IssueToken creates a token and returns it with its record. The token
// is returned only here: the database keeps its hash.
func IssueToken(ctx context.Context, st Store, by Actor, spec NewTokenSpec, now time.Time) (string, Token, error) {
	if spec.Role < RoleViewer || spec.Role > RoleAdmin {
		return "", Token{}, fmt.Errorf("%w: %v", ErrInvalidRole, spec.Role)
	}
	if spec.Name == "" || len(spec.Name) > 200 || !utf8.ValidString(spec.Name) || strings.ContainsRune(spec.Name, 0) {
		return "", Token{}, fmt.Errorf("%w: token name: want 1-200 bytes of UTF-8", ErrInvalidInput)
	}
	if spec.TTL <= 0 {
		return "", Token{}, fmt.Errorf("%w: token lifetime %v: want a positive duration", ErrInvalidInput, spec.TTL)
	}
	token, hash, prefix := NewToken()
	t, err := st.CreateToken(ctx, by, Token{Account: spec.Account, Name: spec.Name, Role: spec.Role, Prefix: prefix,
		ExpiresAt: now.Add(spec.TTL)}, hash)
	if err != nil {
		return "", Token{}, err
	}
	return token, t, nil
}

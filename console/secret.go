package console

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// TokenPrefix starts every API token, so that a token is recognisable in a
// secret scanner and never mistaken for a password.
const TokenPrefix = "pdn_"

// tokenShownPrefix is how many leading characters of a token are kept in
// the database to tell tokens apart in listings.
const tokenShownPrefix = len(TokenPrefix) + 6

// newSecret returns 32 random bytes, base64url-encoded.
func newSecret() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// NewToken returns a new API token, the SHA-256 hash stored in its place
// and the prefix shown in listings.
func NewToken() (token string, hash []byte, prefix string) {
	token = TokenPrefix + newSecret()
	return token, HashSecret(token), token[:tokenShownPrefix]
}

// HashSecret returns the SHA-256 of a token or session id, as stored. Both
// are 256 random bits, so a fast hash suffices: there is nothing to guess.
func HashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// looksLikeToken reports whether s has a token's shape.
func looksLikeToken(s string) bool {
	return strings.HasPrefix(s, TokenPrefix) && len(s) == len(TokenPrefix)+43
}

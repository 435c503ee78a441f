package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the cost parameters of argon2id password hashes. A hash
// records the parameters it was made with, so changing them affects new
// hashes only.
type Argon2Params struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32 // memory in KiB
	Threads   uint8  // lanes
}

// DefaultArgon2 returns RFC 9106's second recommended setting (64 MiB, 3
// passes), with 2 lanes.
func DefaultArgon2() Argon2Params { return Argon2Params{Time: 3, MemoryKiB: 64 * 1024, Threads: 2} }

// The bounds of an acceptable password: at least MinPasswordLength
// characters and at most maxPasswordBytes bytes (argon2 takes any length,
// but a megabyte password is a denial of service, not a secret).
const (
	MinPasswordLength = 12
	maxPasswordBytes  = 1024
)

const (
	saltBytes = 16
	keyBytes  = 32
)

// CheckPassword returns an error naming what is wrong with a new password.
func CheckPassword(pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return fmt.Errorf("%w: not valid UTF-8", ErrWeakPassword)
	case utf8.RuneCountInString(pw) < MinPasswordLength:
		return fmt.Errorf("%w: %d characters, want at least %d", ErrWeakPassword, utf8.RuneCountInString(pw), MinPasswordLength)
	case len(pw) > maxPasswordBytes:
		return fmt.Errorf("%w: %d bytes, want at most %d", ErrWeakPassword, len(pw), maxPasswordBytes)
	}
	return nil
}

// HashPassword returns the argon2id hash of pw with a random salt, in the
// PHC string format: $argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>.
func HashPassword(pw string, p Argon2Params) (string, error) {
	salt := make([]byte, saltBytes)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, keyBytes)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches hash, made by HashPassword
// with any parameters. A malformed hash is an error, never a match.
func VerifyPassword(pw, hash string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, fmt.Errorf("password hash: not an argon2id PHC string")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, fmt.Errorf("password hash: version %q, want v=%d", parts[2], argon2.Version)
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return false, fmt.Errorf("password hash: parameters %q: %w", parts[3], err)
	}
	if p.Time == 0 || p.Threads == 0 || p.MemoryKiB < 8*uint32(p.Threads) || p.MemoryKiB > 4<<20 {
		return false, fmt.Errorf("password hash: parameters %q out of range", parts[3])
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("password hash: salt: %w", err)
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, fmt.Errorf("password hash: key: malformed")
	}
	if len(pw) > maxPasswordBytes {
		return false, nil
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

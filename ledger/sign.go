package ledger

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// SignedHeadFormat names the format of a SignedHead document.
const SignedHeadFormat = "paidan-ledger-head/1"

// ErrBadSignature means a signed head's signature does not verify with the
// given public key.
var ErrBadSignature = errors.New("ledger: signature does not verify")

// SignedHead is a chain head signed with Ed25519, as published to a file
// or log outside the database. Its JSON form is the published document.
type SignedHead struct {
	Format    string    `json:"format"`    // SignedHeadFormat
	Database  string    `json:"database"`  // the database's name, for people; not signed
	Seq       int64     `json:"seq"`       // the head's entry number
	Hash      string    `json:"hash"`      // its hash, hex
	SignedAt  time.Time `json:"signed_at"` // when it was signed (UTC)
	KeyID     string    `json:"key_id"`    // first 16 hex digits of SHA-256 of the public key
	Signature string    `json:"signature"` // base64 Ed25519 signature of Message()
}

// Message returns the exact bytes signed: four lines,
// "paidan-ledger-head/1", "seq=<n>", "hash=<hex>", then
// "signed_at=<RFC 3339, UTC, nanoseconds>", each ending in "\n".
func (s *SignedHead) Message() []byte {
	return fmt.Appendf(nil, "%s\nseq=%d\nhash=%s\nsigned_at=%s\n",
		SignedHeadFormat, s.Seq, s.Hash, s.SignedAt.UTC().Format(time.RFC3339Nano))
}

// Head returns the signed chain head.
func (s *SignedHead) Head() (Head, error) {
	b, err := hex.DecodeString(s.Hash)
	if err != nil || len(b) != sha256.Size {
		return Head{}, fmt.Errorf("ledger: signed head hash %q is not 64 hex digits", s.Hash)
	}
	var h Head
	h.Seq = s.Seq
	copy(h.Hash[:], b)
	return h, nil
}

// KeyID returns the identifier of a public key: the first 16 hex digits of
// its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// SignHead signs head h of database db at time at with key.
func SignHead(key ed25519.PrivateKey, db string, h Head, at time.Time) *SignedHead {
	s := &SignedHead{
		Format:   SignedHeadFormat,
		Database: db,
		Seq:      h.Seq,
		Hash:     h.Hash.String(),
		SignedAt: at.UTC(),
		KeyID:    KeyID(key.Public().(ed25519.PublicKey)),
	}
	s.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, s.Message()))
	return s
}

// Verify checks the signature with pub. It returns an error wrapping
// ErrBadSignature when it does not verify.
func (s *SignedHead) Verify(pub ed25519.PublicKey) error {
	if s.Format != SignedHeadFormat {
		return fmt.Errorf("ledger: signed head format %q, want %q", s.Format, SignedHeadFormat)
	}
	sig, err := base64.StdEncoding.DecodeString(s.Signature)
	if err != nil {
		return fmt.Errorf("ledger: signature is not base64: %w", err)
	}
	if !ed25519.Verify(pub, s.Message(), sig) {
		return fmt.Errorf("%w (key %s; the head names key %s)", ErrBadSignature, KeyID(pub), s.KeyID)
	}
	return nil
}

// ParseSignedHead decodes a published signed head.
func ParseSignedHead(b []byte) (*SignedHead, error) {
	var s SignedHead
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("ledger: signed head: %w", err)
	}
	if _, err := s.Head(); err != nil {
		return nil, err
	}
	return &s, nil
}

// GenerateKey returns a new Ed25519 key pair as PEM: the private key in
// PKCS #8 ("PRIVATE KEY"), the public key in PKIX ("PUBLIC KEY"), the
// forms OpenSSL reads and writes (openssl genpkey -algorithm ed25519).
func GenerateKey() (private, public []byte, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: generate key: %w", err)
	}
	p8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: encode private key: %w", err)
	}
	pkix, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix}), nil
}

// ParsePrivateKey reads an Ed25519 private key from PEM (PKCS #8).
func ParsePrivateKey(b []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("ledger: not a PEM \"PRIVATE KEY\" block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("ledger: private key: %w", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("ledger: private key is %T, want Ed25519", k)
	}
	return priv, nil
}

// ParsePublicKey reads an Ed25519 public key from PEM (PKIX).
func ParsePublicKey(b []byte) (ed25519.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("ledger: not a PEM \"PUBLIC KEY\" block")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("ledger: public key: %w", err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("ledger: public key is %T, want Ed25519", k)
	}
	return pub, nil
}

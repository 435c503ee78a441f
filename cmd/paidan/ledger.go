package main

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/paidan/paidan/ledger"
	ledgerpg "github.com/paidan/paidan/ledger/postgres"
)

func newLedgerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ledger verify|sign|keygen",
		Short: "Check the tamper-evident run ledger; sign and publish its head",
		Long: `Every finished run has an entry in paidan.ledger: a SHA-256 over its
figures, its rules and input hashes, its assignment and unassigned rows, and
the previous entry's hash, appended at commit. The README's "Run ledger"
section specifies the encoding.

  verify  recompute every hash from the stored rows; exit 3 naming the first
          run whose rows or figures no longer match
  sign    verify, then sign the chain head with an Ed25519 key and write it
          to a file to publish outside the database
  keygen  write a new Ed25519 key pair (PEM; OpenSSL reads and writes it too)`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("ledger: unknown subcommand %q; want verify, sign or keygen", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newLedgerVerifyCmd(), newLedgerSignCmd(), newLedgerKeygenCmd())
	return cmd
}

func newLedgerVerifyCmd() *cobra.Command {
	var pubFile, headFile string
	cmd := &cobra.Command{
		Use:   "verify [--db DSN] [--public-key FILE --head FILE]",
		Short: "Recompute every ledger hash from the stored rows",
		Long: `verify reads every finished run, its assignment rows (current and
archived), its unassigned rows and the ledger, from one snapshot, recomputes
every digest and hash in the process (never with the database's own
functions) and checks the chain. With --head and --public-key it also checks
the signature of a head published by "paidan ledger sign" and that the chain
still holds that entry with that hash, which detects a chain rewritten from
its start.

Exit 0 when everything matches, 3 naming the first run that does not.`,
		Args: noArgs,
	}
	dsn := addDBFlag(cmd)
	cmd.Flags().StringVar(&pubFile, "public-key", "", "Ed25519 public key (PEM) that signed --head")
	cmd.Flags().StringVar(&headFile, "head", "", "signed head written by paidan ledger sign")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if (pubFile == "") != (headFile == "") {
			return usageErrorf("--public-key and --head go together")
		}
		var opts ledgerpg.VerifyOptions
		if headFile != "" {
			h, err := readSignedHead(headFile, pubFile)
			if err != nil {
				return err
			}
			opts.Expect = &h
		}
		ctx := cmd.Context()
		db, err := openDB(ctx, *dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		r, err := ledgerpg.Verify(ctx, db, opts)
		if err != nil {
			return err
		}
		return reportLedger(cmd.OutOrStdout(), r)
	}
	return cmd
}

// readSignedHead reads the head in headFile and checks its signature with
// the key in pubFile.
func readSignedHead(headFile, pubFile string) (ledger.Head, error) {
	pem, err := os.ReadFile(pubFile)
	if err != nil {
		return ledger.Head{}, err
	}
	pub, err := ledger.ParsePublicKey(pem)
	if err != nil {
		return ledger.Head{}, fmt.Errorf("%s: %w", pubFile, err)
	}
	b, err := os.ReadFile(headFile)
	if err != nil {
		return ledger.Head{}, err
	}
	s, err := ledger.ParseSignedHead(b)
	if err != nil {
		return ledger.Head{}, fmt.Errorf("%s: %w", headFile, err)
	}
	if err := s.Verify(pub); err != nil {
		return ledger.Head{}, answerNo(fmt.Errorf("%s: %w", headFile, err))
	}
	return s.Head()
}

// reportLedger prints the outcome of a check; it returns an exitNo error
// naming the first finding when there is one.
func reportLedger(out io.Writer, r *ledger.Report) error {
	if r.OK() {
		fmt.Fprintf(out, "ledger: %d entries verified; head entry %d, hash %s\n", r.Entries, r.Head.Seq, r.Head.Hash)
		return nil
	}
	fmt.Fprintf(out, "ledger: %d entries checked, %d finding(s):\n", r.Entries, r.Total)
	for _, f := range r.Findings {
		fmt.Fprintf(out, "  %s\n", f)
	}
	if r.Total > len(r.Findings) {
		fmt.Fprintf(out, "  ... and %d more\n", r.Total-len(r.Findings))
	}
	return answerNo(fmt.Errorf("ledger does not match the stored rows; first: %s", r.Findings[0]))
}

func newLedgerSignCmd() *cobra.Command {
	var keyFile, out string
	cmd := &cobra.Command{
		Use:   "sign [--db DSN] --sign-key FILE --out FILE",
		Short: "Verify the ledger, then sign its head for publication",
		Long: `sign verifies the ledger as "paidan ledger verify" does and, only when it
matches, signs the chain head (entry number and hash) with the Ed25519
private key in --sign-key (PEM, PKCS #8; readable by its owner alone) and
writes the signed head, JSON, to --out. Publish that file where the
database's owner cannot rewrite it (another host, a log, a ticket): a later
"paidan ledger verify --head FILE --public-key PUB" then detects a chain
rewritten from its start.`,
		Args: noArgs,
	}
	dsn := addDBFlag(cmd)
	cmd.Flags().StringVar(&keyFile, "sign-key", "", "Ed25519 private key, PEM (required)")
	cmd.Flags().StringVar(&out, "out", "", "file to write the signed head to (required)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if keyFile == "" || out == "" {
			return usageErrorf("--sign-key and --out are required")
		}
		key, err := readPrivateKey(keyFile)
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		db, err := openDB(ctx, *dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		r, err := ledgerpg.Verify(ctx, db, ledgerpg.VerifyOptions{})
		if err != nil {
			return err
		}
		if !r.OK() {
			return reportLedger(cmd.ErrOrStderr(), r)
		}
		var name string
		if err := db.GetContext(ctx, &name, `SELECT current_database()`); err != nil {
			return fmt.Errorf("database name: %w", err)
		}
		s := ledger.SignHead(key, name, r.Head, time.Now())
		b, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			return err
		}
		if err := writeFileAtomic(out, append(b, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "signed ledger head: entry %d, hash %s, key %s -> %s\n", s.Seq, s.Hash, s.KeyID, out)
		return nil
	}
	return cmd
}

// readPrivateKey reads an Ed25519 private key, refusing a file that others
// than its owner may read.
func readPrivateKey(path string) (ed25519.PrivateKey, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: private key file has mode %v; make it readable by its owner alone (chmod 600)", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := ledger.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

func newLedgerKeygenCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "keygen --out FILE",
		Short: "Write a new Ed25519 key pair: FILE (private, mode 0600) and FILE.pub",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageErrorf("--out is required")
			}
			for _, p := range []string{out, out + ".pub"} {
				if _, err := os.Lstat(p); err == nil {
					return usageErrorf("%s exists; keygen never overwrites a key", p)
				}
			}
			priv, pub, err := ledger.GenerateKey()
			if err != nil {
				return err
			}
			if err := writeFileAtomic(out, priv, 0o600); err != nil {
				return err
			}
			if err := writeFileAtomic(out+".pub", pub, 0o644); err != nil {
				return err
			}
			k, err := ledger.ParsePublicKey(pub)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s and %s (key %s)\n", out, out+".pub", ledger.KeyID(k))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "private key file to create; the public key goes to FILE.pub (required)")
	return cmd
}

// writeFileAtomic writes b to path through a temporary file in the same
// directory, synced and renamed, so that path holds all of b or nothing.
func writeFileAtomic(path string, b []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return errors.Join(fmt.Errorf("write %s", path), err)
	}
	return nil
}

package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// loadOrCreateHostKey returns the server's host key from path. When the file
// does not exist a new ed25519 key is written there (0600, parent directories
// 0700). An existing file that cannot be read or parsed is an error: replacing
// it would silently change the fingerprint every client has pinned.
func loadOrCreateHostKey(path string) (gossh.Signer, error) {
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		signer, perr := gossh.ParsePrivateKey(data)
		if perr != nil {
			return nil, fmt.Errorf("host key %s is not a valid unencrypted private key: %v (fix or remove the file; it is never replaced automatically)", path, perr)
		}
		return signer, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read host key: %w (check --data-dir, --host-key and permissions)", err)
	}

	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "overfit host key")
	if err != nil {
		return nil, fmt.Errorf("encode host key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data dir for the host key: %w", err)
	}
	return publishHostKey(path, pem.EncodeToMemory(block), priv)
}

// publishHostKey writes a new key to a temporary file next to path and
// hard-links it into place, so replicas starting together on one shared
// volume never read a half-written key: the link fails when another process
// published its key first, and theirs is used.
func publishHostKey(path string, data []byte, priv ed25519.PrivateKey) (gossh.Signer, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".host-key-*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("create host key: %w (is the data dir writable?)", err)
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // only the link stays
	_, werr := tmp.Write(data)
	if err := errors.Join(werr, tmp.Sync(), tmp.Close()); err != nil {
		return nil, fmt.Errorf("write host key: %w", err)
	}
	switch err := os.Link(tmp.Name(), path); {
	case errors.Is(err, fs.ErrExist):
		return loadOrCreateHostKey(path)
	case err != nil:
		return createHostKeyInPlace(path, data, priv)
	}
	return gossh.NewSignerFromKey(priv)
}

// createHostKeyInPlace is the fallback for file systems without hard links:
// O_EXCL keeps a key another process created meanwhile (one that is still
// being written reads as corrupt, and that process's restart fixes it).
func createHostKeyInPlace(path string, data []byte, priv ed25519.PrivateKey) (gossh.Signer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return loadOrCreateHostKey(path)
		}
		return nil, fmt.Errorf("create host key: %w (is the data dir writable?)", err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, fmt.Errorf("write host key: %w", err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("write host key: %w", err)
	}
	return gossh.NewSignerFromKey(priv)
}

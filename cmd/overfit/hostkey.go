package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// loadOrCreateHostKey returns the server's host key from path. When the file
// does not exist a new ed25519 key is written there (0600, parent directories
// 0700). An existing file that cannot be read or parsed is an error: replacing
// it would silently change the fingerprint every client has pinned. created
// says this call wrote the file (another process may have won the race to
// create it: then its key is returned, created false).
func loadOrCreateHostKey(path string) (signer gossh.Signer, created bool, err error) {
	data, err := readHostKey(path)
	switch {
	case err == nil:
		signer, perr := gossh.ParsePrivateKey(data)
		if perr != nil {
			return nil, false, fmt.Errorf("host key %s is not a valid unencrypted private key: %v (fix or remove the file; it is never replaced automatically)", path, perr)
		}
		return signer, false, nil
	case errors.Is(err, errNotRegular):
		return nil, false, fmt.Errorf("read host key %s: %w (check --data-dir, --host-key)", path, err)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, false, fmt.Errorf("read host key: %w (check --data-dir, --host-key and permissions)", err)
	}

	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, fmt.Errorf("generate host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "overfit host key")
	if err != nil {
		return nil, false, fmt.Errorf("encode host key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("create data dir for the host key: %w", err)
	}
	return publishHostKey(path, pem.EncodeToMemory(block), priv)
}

// publishHostKey writes a new key to a temporary file next to path and
// hard-links it into place, so replicas starting together on one shared
// volume never read a half-written key: the link fails when another process
// published its key first, and theirs is used.
func publishHostKey(path string, data []byte, priv ed25519.PrivateKey) (gossh.Signer, bool, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".host-key-*") // mode 0600
	if err != nil {
		return nil, false, fmt.Errorf("create host key: %w (is the data dir writable?)", err)
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // only the link stays
	_, werr := tmp.Write(data)
	if err := errors.Join(werr, tmp.Sync(), tmp.Close()); err != nil {
		return nil, false, fmt.Errorf("write host key: %w", err)
	}
	switch err := os.Link(tmp.Name(), path); {
	case errors.Is(err, fs.ErrExist):
		return loadOrCreateHostKey(path)
	case err != nil:
		return createHostKeyInPlace(path, data, priv)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	return signer, err == nil, err
}

// createHostKeyInPlace is the fallback for file systems without hard links:
// O_EXCL keeps a key another process created meanwhile (one that is still
// being written reads as corrupt, and that process's restart fixes it).
func createHostKeyInPlace(path string, data []byte, priv ed25519.PrivateKey) (gossh.Signer, bool, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return loadOrCreateHostKey(path)
		}
		return nil, false, fmt.Errorf("create host key: %w (is the data dir writable?)", err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, false, fmt.Errorf("write host key: %w", err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(path)
		return nil, false, fmt.Errorf("write host key: %w", err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	return signer, err == nil, err
}

// maxHostKeySize bounds the host key file: an ed25519 key in OpenSSH's PEM
// form is about 400 bytes, a 16384-bit RSA key about 12 KiB.
const maxHostKeySize = 64 << 10

// errNotRegular says a path is not a regular file of bounded size.
var errNotRegular = errors.New("not a regular file of at most 64 KiB")

// readHostKey reads the key file, which must be a regular file of at most
// maxHostKeySize: a FIFO would block the start (opening it waits for a
// writer) and /dev/zero would be read without end. It is checked before it
// is opened, and the open file again, in case it was swapped in between.
func readHostKey(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxHostKeySize {
		return nil, errNotRegular
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close() //nolint:errcheck
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxHostKeySize {
		return nil, errNotRegular
	}
	data, err := io.ReadAll(io.LimitReader(f, maxHostKeySize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxHostKeySize {
		return nil, errNotRegular
	}
	return data, nil
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestHostKeyCreatedOnceByReplicasStartingTogether: replicas sharing one
// data volume start at the same moment on an empty volume; every one must
// end up with the same key, and none may read a half-written file.
func TestHostKeyCreatedOnceByReplicasStartingTogether(t *testing.T) {
	skipInShortMode(t)
	const rounds, replicas = 30, 8
	for r := range rounds {
		path := filepath.Join(t.TempDir(), "data", "ssh_host_ed25519_key")
		keys := make([][]byte, replicas)
		errs := make([]error, replicas)
		created := make([]bool, replicas)
		var start, done sync.WaitGroup
		start.Add(1)
		for i := range replicas {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				s, c, err := loadOrCreateHostKey(path)
				created[i] = c
				if err == nil {
					keys[i] = s.PublicKey().Marshal()
				}
				errs[i] = err
			}()
		}
		start.Done()
		done.Wait()
		for i := range replicas {
			if errs[i] != nil {
				t.Fatalf("round %d, replica %d: %v", r, i, errs[i])
			}
			if !bytes.Equal(keys[i], keys[0]) {
				t.Fatalf("round %d: replicas %d and 0 got different host keys", r, i)
			}
		}
		// Exactly one replica logs "generated a new host key".
		if n := countTrue(created); n != 1 {
			t.Fatalf("round %d: %d replicas say they created the key, want 1", r, n)
		}
		entries, err := os.ReadDir(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			names := []string{}
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Fatalf("round %d: the data dir holds %v, want only the key (temporary files must go)", r, names)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("round %d: key file mode %v (%v), want 0600", r, fi.Mode().Perm(), err)
		}
	}
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

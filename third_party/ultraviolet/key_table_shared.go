package uv

import "sync"

// overfit patch: every TerminalReader built its own key table (~150 KB of
// map) although the table only depends on the legacy encoding flags, TERM
// and whether terminfo is used, and is only read after it is built. A
// server running one program per SSH session held one copy per session.
// Tables are now shared per (flags, TERM, terminfo); the cache is bounded
// because TERM comes from the client.

// maxSharedKeyTables bounds the shared tables; beyond it tables are built
// per reader as before.
const maxSharedKeyTables = 32

type keyTableKey struct {
	flags       LegacyKeyEncoding
	term        string
	useTerminfo bool
}

var sharedKeyTables struct {
	sync.Mutex
	m map[keyTableKey]map[string]Key
}

// sharedKeysTable returns the key table for the arguments, built once per
// distinct arguments (up to maxSharedKeyTables). Callers must not modify it.
func sharedKeysTable(flags LegacyKeyEncoding, term string, useTerminfo bool) map[string]Key {
	k := keyTableKey{flags, term, useTerminfo}
	sharedKeyTables.Lock()
	defer sharedKeyTables.Unlock()
	if t, ok := sharedKeyTables.m[k]; ok {
		return t
	}
	t := buildKeysTable(flags, term, useTerminfo)
	if len(sharedKeyTables.m) < maxSharedKeyTables {
		if sharedKeyTables.m == nil {
			sharedKeyTables.m = make(map[keyTableKey]map[string]Key)
		}
		sharedKeyTables.m[k] = t
	}
	return t
}

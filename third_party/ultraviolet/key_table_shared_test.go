package uv

import (
	"fmt"
	"reflect"
	"testing"
)

func TestSharedKeysTable(t *testing.T) {
	a := sharedKeysTable(0, "xterm-256color", false)
	b := sharedKeysTable(0, "xterm-256color", false)
	if reflect.ValueOf(a).Pointer() != reflect.ValueOf(b).Pointer() {
		t.Error("same arguments built a second table")
	}
	if !reflect.DeepEqual(a, buildKeysTable(0, "xterm-256color", false)) {
		t.Error("shared table differs from a freshly built one")
	}
	c := sharedKeysTable(flagCtrlAt, "xterm-256color", false)
	if reflect.ValueOf(a).Pointer() == reflect.ValueOf(c).Pointer() {
		t.Error("other flags got the same table")
	}
	// Client-chosen TERM values must not grow the cache without bound.
	for i := range 2 * maxSharedKeyTables {
		sharedKeysTable(0, fmt.Sprintf("term-%d", i), false)
	}
	sharedKeyTables.Lock()
	n := len(sharedKeyTables.m)
	sharedKeyTables.Unlock()
	if n > maxSharedKeyTables {
		t.Errorf("%d shared tables, want at most %d", n, maxSharedKeyTables)
	}
}

//go:build unix

package main

import (
	"os"
	"syscall"
)

// stampOf is what tells a changed file apart: size, modification time and
// (where the system has one) inode, so a file replaced by a rename counts.
func stampOf(fi os.FileInfo) fileStamp {
	st := fileStamp{size: fi.Size(), mtime: fi.ModTime()}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.ino = uint64(sys.Ino) //nolint:unconvert // int64 on some systems
	}
	return st
}

//go:build !unix

package main

import "os"

// stampOf is what tells a changed file apart: size and modification time.
func stampOf(fi os.FileInfo) fileStamp {
	return fileStamp{size: fi.Size(), mtime: fi.ModTime()}
}

package release

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/goreleaser/goreleaser/v2/pkg/config"
)

// root is the repository root, from this directory.
const root = "../.."

// TestGoReleaserConfig loads .goreleaser.yaml the way `goreleaser check`
// does first: GoReleaser's config.LoadReader, strict, so an unknown or
// misspelt field or a value of the wrong type fails. It then does what
// `goreleaser check` does next, refusing deprecated fields (those
// GoReleaser's schema marks deprecated=true), and checks what the release
// must contain: archives for linux, darwin and windows on amd64 and arm64,
// a checksums file, the container image from a Dockerfile that exists, and
// binaries that take their version from Go's build stamp.
//
// Not checked here, unlike `goreleaser check`: the defaults GoReleaser's
// pipes fill in and validate (templates are only rendered by a real run:
// `goreleaser release --snapshot --clean --skip=docker,publish`). Why not
// the real thing in CI: building GoReleaser v2.15.1 from the module proxy
// took 29.6 minutes on the shared 2-core CI box and downloaded 1.9 GB of
// modules; this test's dependencies cold, 4.8 minutes and 192 MB.
func TestGoReleaserConfig(t *testing.T) {
	f, err := os.Open(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := config.LoadReader(f)
	if err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	if p.Version != 2 {
		t.Errorf("version: %d, want 2 (GoReleaser v2's format)", p.Version)
	}
	for _, path := range deprecatedInUse(reflect.ValueOf(p), "") {
		t.Errorf(".goreleaser.yaml uses %s, which GoReleaser deprecated (see goreleaser.com/deprecations)", path)
	}

	// The binaries: every target, version from the build stamp.
	if len(p.Builds) != 1 {
		t.Fatalf("%d builds, want 1 (overfit)", len(p.Builds))
	}
	b := p.Builds[0]
	if b.Main != "./cmd/overfit" || b.Binary != "overfit" {
		t.Errorf("build main %q binary %q, want ./cmd/overfit and overfit", b.Main, b.Binary)
	}
	for _, want := range []string{"linux", "darwin", "windows"} {
		if !slices.Contains(b.Goos, want) {
			t.Errorf("goos %v lacks %s", b.Goos, want)
		}
	}
	for _, want := range []string{"amd64", "arm64"} {
		if !slices.Contains(b.Goarch, want) {
			t.Errorf("goarch %v lacks %s", b.Goarch, want)
		}
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=0") {
		t.Errorf("build env %v: want CGO_ENABLED=0 (static binaries, cross-compiled)", b.Env)
	}
	for _, l := range b.Ldflags {
		if strings.Contains(l, "-X") {
			t.Errorf("ldflags %q: `overfit version` reads the build stamp, -X sets variables nothing reads", l)
		}
	}
	if !slices.Contains(b.Flags, "-buildvcs=true") {
		t.Errorf("flags %v: want -buildvcs=true, so a release binary without its commit fails the build", b.Flags)
	}

	// The archives, with the files they name, and their checksums.
	if len(p.Archives) != 1 {
		t.Fatalf("%d archives, want 1", len(p.Archives))
	}
	a := p.Archives[0]
	if len(a.IDs) > 0 && !slices.Contains(a.IDs, b.ID) {
		t.Errorf("archive ids %v do not include the build %q", a.IDs, b.ID)
	}
	for _, file := range a.Files {
		if _, err := os.Stat(filepath.Join(root, file.Source)); err != nil {
			t.Errorf("archive file %s: %v", file.Source, err)
		}
	}
	if p.Checksum.Disable || p.Checksum.NameTemplate == "" {
		t.Errorf("checksum %+v: want a named checksums file", p.Checksum)
	}

	// The image: built from the release binaries by a Dockerfile that
	// copies them from where GoReleaser puts them.
	if len(p.DockersV2) != 1 {
		t.Fatalf("%d dockers_v2 images, want 1", len(p.DockersV2))
	}
	d := p.DockersV2[0]
	if len(d.IDs) > 0 && !slices.Contains(d.IDs, b.ID) {
		t.Errorf("image ids %v do not include the build %q", d.IDs, b.ID)
	}
	for _, want := range []string{"linux/amd64", "linux/arm64"} {
		if !slices.Contains(d.Platforms, want) {
			t.Errorf("image platforms %v lack %s", d.Platforms, want)
		}
	}
	dockerfile, err := os.ReadFile(filepath.Join(root, d.Dockerfile))
	if err != nil {
		t.Fatalf("image dockerfile: %v", err)
	}
	if want := "COPY $TARGETPLATFORM/" + b.Binary + " "; !strings.Contains(string(dockerfile), want) {
		t.Errorf("%s does not %q: dockers_v2 puts each platform's binary there", d.Dockerfile, want)
	}
}

// deprecatedInUse lists the fields set in v whose jsonschema tag says
// deprecated=true, by their YAML path.
func deprecatedInUse(v reflect.Value, path string) []string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return deprecatedInUse(v.Elem(), path)
	case reflect.Slice, reflect.Array:
		var out []string
		for i := range v.Len() {
			out = append(out, deprecatedInUse(v.Index(i), path)...)
		}
		return out
	case reflect.Map:
		var out []string
		for it := v.MapRange(); it.Next(); {
			out = append(out, deprecatedInUse(it.Value(), path)...)
		}
		return out
	case reflect.Struct:
		var out []string
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			p := path
			if name != "" && name != "-" {
				p = strings.TrimPrefix(path+"."+name, ".")
			}
			if strings.Contains(f.Tag.Get("jsonschema"), "deprecated=true") && !v.Field(i).IsZero() {
				out = append(out, p)
				continue
			}
			out = append(out, deprecatedInUse(v.Field(i), p)...)
		}
		return out
	}
	return nil
}

package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
)

// The vendored DSFR files the pages use and the console's own few styles and scripts.
// Source maps, the update script and other DSFR files are left out of the binary.
//
//go:embed static/dsfr/*.css static/dsfr/*.js static/dsfr/favicon.svg static/dsfr/fonts static/dsfr/icons static/app
var staticFiles embed.FS

// assets serves the embedded static files under a prefix that changes whenever any of
// them changes (/static/<hash>/...), so browsers may keep them for a year: a new release
// has new URLs. The DSFR stylesheet finds its fonts and icons by relative URLs, which the
// shared prefix keeps working.
type assets struct {
	prefix string
	files  fs.FS
}

func newAssets() (*assets, error) {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	var names []string
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := fs.ReadFile(sub, n)
		if err != nil {
			return nil, err
		}
		h.Write([]byte(n))
		h.Write(b)
	}
	return &assets{prefix: "/static/" + hex.EncodeToString(h.Sum(nil))[:12] + "/", files: sub}, nil
}

// URL is the versioned address of a static file ("dsfr/dsfr.min.css").
func (a *assets) URL(name string) string { return a.prefix + name }

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, a.prefix)
	if !ok || name == "" || strings.Contains(name, "..") {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(a.files, path.Clean(name))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case ".svg":
		w.Header().Set("Content-Type", "image/svg+xml")
	case ".woff2":
		w.Header().Set("Content-Type", "font/woff2")
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
}

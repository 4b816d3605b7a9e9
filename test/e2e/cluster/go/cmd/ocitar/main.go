// ocitar: writes a single-platform (linux/amd64) container image as a tar that both
// `ctr images import` and `docker load` accept: an OCI image layout (oci-layout, index.json,
// blobs/sha256/...) plus the Docker `manifest.json`, with one uncompressed layer.
//
//	ocitar -name quire.local/pause:1 -o pause.tar -file /path/to/pause:/pause:0755 -entrypoint /pause
//	ocitar -name quire.local/toolbox:1 -o toolbox.tar -layer rootfs.tar -cmd /bin/bash
//
// The layer is either an existing rootfs tar (-layer) or is made from -file src:dst[:mode] entries
// (plus their parent directories). Timestamps and owners are fixed, so equal inputs give equal digests.
package main

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

var epoch = time.Unix(0, 0).UTC()

func main() {
	var files, env, entrypoint, cmd listFlag
	name := flag.String("name", "", "image reference, e.g. quire.local/pause:1")
	out := flag.String("o", "", "output tar")
	layer := flag.String("layer", "", "existing rootfs tar to use as the single layer")
	workdir := flag.String("workdir", "/", "working directory")
	user := flag.String("user", "", "user (uid[:gid])")
	flag.Var(&files, "file", "src:dst[:octal mode] to put into the layer (repeatable)")
	flag.Var(&env, "env", "KEY=value (repeatable)")
	flag.Var(&entrypoint, "entrypoint", "entrypoint argument (repeatable)")
	flag.Var(&cmd, "cmd", "cmd argument (repeatable)")
	flag.Parse()
	if *name == "" || *out == "" || (*layer == "") == (len(files) == 0) {
		fmt.Fprintln(os.Stderr, "ocitar: need -name, -o and exactly one of -layer or -file")
		os.Exit(2)
	}
	if err := run(*name, *out, *layer, files, env, entrypoint, cmd, *workdir, *user); err != nil {
		fmt.Fprintln(os.Stderr, "ocitar:", err)
		os.Exit(1)
	}
}

type blob struct {
	digest string // hex
	size   int64
	path   string // file on disk, or "" when data is set
	data   []byte
}

func bytesBlob(b []byte) blob {
	s := sha256.Sum256(b)
	return blob{digest: hex.EncodeToString(s[:]), size: int64(len(b)), data: b}
}

func fileBlob(p string) (blob, error) {
	f, err := os.Open(p)
	if err != nil {
		return blob{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return blob{}, err
	}
	return blob{digest: hex.EncodeToString(h.Sum(nil)), size: n, path: p}, nil
}

// makeLayer writes a layer tar of the given files (with parent directories) to a temp file.
func makeLayer(specs []string, tmpDir string) (string, error) {
	type entry struct {
		src, dst string
		mode     int64
	}
	var entries []entry
	dirs := map[string]bool{}
	for _, s := range specs {
		parts := strings.Split(s, ":")
		if len(parts) < 2 || len(parts) > 3 {
			return "", fmt.Errorf("bad -file %q (src:dst[:mode])", s)
		}
		e := entry{src: parts[0], dst: strings.TrimPrefix(path.Clean("/"+parts[1]), "/"), mode: 0o644}
		if len(parts) == 3 {
			m, err := strconv.ParseInt(parts[2], 8, 32)
			if err != nil {
				return "", fmt.Errorf("bad mode in %q: %v", s, err)
			}
			e.mode = m
		}
		entries = append(entries, e)
		for d := path.Dir(e.dst); d != "." && d != "/"; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].dst < entries[j].dst })
	var dirList []string
	for d := range dirs {
		dirList = append(dirList, d)
	}
	sort.Strings(dirList)

	f, err := os.CreateTemp(tmpDir, "layer-*.tar")
	if err != nil {
		return "", err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	for _, d := range dirList {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: epoch, Format: tar.FormatPAX}); err != nil {
			return "", err
		}
	}
	for _, e := range entries {
		st, err := os.Stat(e.src)
		if err != nil {
			return "", err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e.dst, Mode: e.mode, Size: st.Size(), ModTime: epoch, Format: tar.FormatPAX}); err != nil {
			return "", err
		}
		src, err := os.Open(e.src)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(tw, src)
		src.Close()
		if err != nil {
			return "", err
		}
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	return f.Name(), f.Close()
}

func run(name, out, layerPath string, files, env, entrypoint, cmd []string, workdir, user string) error {
	tmpDir := filepath.Dir(out)
	if layerPath == "" {
		p, err := makeLayer(files, tmpDir)
		if err != nil {
			return err
		}
		defer os.Remove(p)
		layerPath = p
	}
	layer, err := fileBlob(layerPath)
	if err != nil {
		return err
	}
	if len(env) == 0 {
		env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	}
	config := map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"created":      epoch.Format(time.RFC3339),
		"config": map[string]any{
			"Env":        env,
			"Entrypoint": nonNil(entrypoint),
			"Cmd":        nonNil(cmd),
			"WorkingDir": workdir,
			"User":       user,
		},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + layer.digest}},
	}
	cfgJSON, _ := json.Marshal(config)
	cfg := bytesBlob(cfgJSON)
	manifest := map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + cfg.digest, "size": cfg.size},
		"layers":        []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "sha256:" + layer.digest, "size": layer.size}},
	}
	manJSON, _ := json.Marshal(manifest)
	man := bytesBlob(manJSON)
	tag := name[strings.LastIndex(name, ":")+1:]
	index := map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.index.v1+json",
		"manifests": []any{map[string]any{
			"mediaType": "application/vnd.oci.image.manifest.v1+json",
			"digest":    "sha256:" + man.digest, "size": man.size,
			"platform": map[string]any{"architecture": "amd64", "os": "linux"},
			"annotations": map[string]string{
				"io.containerd.image.name":         name,
				"org.opencontainers.image.ref.name": tag,
			},
		}},
	}
	idxJSON, _ := json.Marshal(index)
	dockerManifest, _ := json.Marshal([]any{map[string]any{
		"Config":   "blobs/sha256/" + cfg.digest,
		"RepoTags": []string{name},
		"Layers":   []string{"blobs/sha256/" + layer.digest},
	}})

	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	tw := tar.NewWriter(f)
	put := func(n string, b blob) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o644, Size: b.size, ModTime: epoch}); err != nil {
			return err
		}
		if b.path == "" {
			_, err := tw.Write(b.data)
			return err
		}
		src, err := os.Open(b.path)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(tw, src)
		return err
	}
	for _, d := range []string{"blobs/", "blobs/sha256/"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: epoch}); err != nil {
			return err
		}
	}
	for _, e := range []struct {
		n string
		b blob
	}{
		{"oci-layout", bytesBlob([]byte(`{"imageLayoutVersion":"1.0.0"}`))},
		{"blobs/sha256/" + layer.digest, layer},
		{"blobs/sha256/" + cfg.digest, cfg},
		{"blobs/sha256/" + man.digest, man},
		{"index.json", bytesBlob(idxJSON)},
		{"manifest.json", bytesBlob(dockerManifest)},
	} {
		if err := put(e.n, e.b); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	fmt.Printf("ocitar: %s -> %s (manifest sha256:%s, layer %d bytes)\n", name, out, man.digest, layer.size)
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

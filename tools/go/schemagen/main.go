// Command schemagen converts the Kubernetes OpenAPI v2 document (swagger.json)
// and CustomResourceDefinition YAML files into standalone JSON schemas laid out
// the way kubeconform looks them up.
//
//	schemagen -swagger swagger.json -k8s-version v1.34.4 -out DIR [-crd FILE ...] [-crd-kinds A,B]
//
// Output:
//
//	DIR/<k8s-version>-standalone-strict/<kind>[-<group prefix>]-<version>.json
//	DIR/<k8s-version>-standalone/<kind>[-<group prefix>]-<version>.json
//	DIR/crds-strict/<group>/<kind>_<version>.json
//	DIR/crds/<group>/<kind>_<version>.json
//
// The k8s file names follow kubeconform's default template
// "{{ .ResourceKind }}{{ .KindSuffix }}.json", where KindSuffix is
// "-<first dot-separated part of the group>-<version>" (core group: "-<version>").
// The CRD layout matches "{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json".
//
// Rules (those of openapi2jsonschema as used for the kubernetes-json-schema
// repositories, plus a few CRD specifics):
//   - $refs are inlined ("standalone"); a type that refers to itself
//     (JSONSchemaProps) is kept once under "definitions" and referenced locally.
//   - strict variant: "additionalProperties": false on every object schema that
//     has "properties" and no "additionalProperties", unless it is marked
//     x-kubernetes-preserve-unknown-fields (also on the root object).
//   - IntOrString -> oneOf string|integer; Quantity -> oneOf string|number.
//   - properties that are not required also accept null (the API server treats
//     null as unset); CRD "nullable: true" also allows null.
//   - apiVersion and kind get a one-value enum for the file's GVK.
//   - descriptions and x-kubernetes-* annotations are dropped (size).
//   - CRD roots whose "metadata" is a bare object get the Kubernetes ObjectMeta
//     schema (from -swagger) so metadata typos are caught too.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

type obj = map[string]any

const (
	defQuantity    = "io.k8s.apimachinery.pkg.api.resource.Quantity"
	defObjectMeta  = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
	refPrefix      = "#/definitions/"
	preserveFields = "x-kubernetes-preserve-unknown-fields"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func main() {
	var (
		swaggerPath = flag.String("swagger", "", "Kubernetes api/openapi-spec/swagger.json")
		k8sVersion  = flag.String("k8s-version", "", "Kubernetes version for the directory name, e.g. v1.34.4")
		outDir      = flag.String("out", "", "output directory")
		crdKinds    = flag.String("crd-kinds", "", "comma-separated CRD kinds to convert (default: all in the files)")
		crdFiles    multiFlag
	)
	flag.Var(&crdFiles, "crd", "CRD YAML file (repeatable)")
	flag.Parse()
	if *outDir == "" || (*swaggerPath == "" && len(crdFiles) == 0) {
		flag.Usage()
		os.Exit(2)
	}

	var defs obj
	if *swaggerPath != "" {
		if *k8sVersion == "" {
			fail("-k8s-version is required with -swagger")
		}
		var doc obj
		mustDecodeJSON(mustRead(*swaggerPath), &doc)
		defs, _ = doc["definitions"].(obj)
		if defs == nil {
			fail("%s: no definitions", *swaggerPath)
		}
		for _, strict := range []bool{true, false} {
			dir := filepath.Join(*outDir, *k8sVersion+"-standalone"+strictSuffix(strict))
			n := genKubernetes(defs, strict, dir)
			fmt.Printf("schemagen: wrote %d schemas to %s\n", n, dir)
		}
	}

	if len(crdFiles) > 0 {
		want := map[string]bool{}
		for _, k := range strings.Split(*crdKinds, ",") {
			if k = strings.TrimSpace(k); k != "" {
				want[k] = true
			}
		}
		found := map[string]bool{}
		for _, strict := range []bool{true, false} {
			dir := filepath.Join(*outDir, "crds"+strictSuffix(strict))
			n := 0
			for _, f := range crdFiles {
				n += genCRDs(f, defs, want, found, strict, dir)
			}
			fmt.Printf("schemagen: wrote %d CRD schemas to %s\n", n, dir)
		}
		for k := range want {
			if !found[k] {
				fail("CRD kind %s not found in the given files", k)
			}
		}
	}
}

func strictSuffix(strict bool) string {
	if strict {
		return "-strict"
	}
	return ""
}

// ---------------------------------------------------------------- Kubernetes

func genKubernetes(defs obj, strict bool, dir string) int {
	mustMkdir(dir)
	names := make([]string, 0, len(defs))
	for name := range defs {
		names = append(names, name)
	}
	sort.Strings(names)
	written := map[string]string{} // file -> definition
	for _, name := range names {
		def := defs[name].(obj)
		gvks, _ := def["x-kubernetes-group-version-kind"].([]any)
		for _, g := range gvks {
			gvk := g.(obj)
			group, _ := gvk["group"].(string)
			version, _ := gvk["version"].(string)
			kind, _ := gvk["kind"].(string)
			apiVersion, file := version, strings.ToLower(kind)
			if group != "" && group != "core" {
				apiVersion = group + "/" + version
				file += "-" + strings.ToLower(strings.Split(group, ".")[0])
			}
			file += "-" + strings.ToLower(version) + ".json"
			if prev, dup := written[file]; dup {
				if prev != name {
					fmt.Fprintf(os.Stderr, "schemagen: warning: %s from %s clashes with %s; keeping the first\n", file, name, prev)
				}
				continue
			}
			written[file] = name
			e := &expander{defs: defs, strict: strict}
			root := e.expandRoot(obj{"$ref": refPrefix + name}, []string{})
			setGVKEnums(root, apiVersion, kind)
			writeJSON(filepath.Join(dir, file), root)
		}
	}
	return len(written)
}

// ---------------------------------------------------------------- CRDs

var docSep = regexp.MustCompile(`(?m)^---[ \t]*$`)

func genCRDs(path string, k8sDefs obj, want, found map[string]bool, strict bool, dir string) int {
	n := 0
	for _, doc := range docSep.Split(string(mustRead(path)), -1) {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		js, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			fail("%s: %v", path, err)
		}
		var crd obj
		mustDecodeJSON(js, &crd)
		if crd == nil || crd["kind"] != "CustomResourceDefinition" {
			continue
		}
		spec, _ := crd["spec"].(obj)
		group, _ := spec["group"].(string)
		names, _ := spec["names"].(obj)
		kind, _ := names["kind"].(string)
		if len(want) > 0 && !want[kind] {
			continue
		}
		versions, _ := spec["versions"].([]any)
		for _, v := range versions {
			ver := v.(obj)
			vname, _ := ver["name"].(string)
			sch, _ := ver["schema"].(obj)
			s, _ := sch["openAPIV3Schema"].(obj)
			if s == nil {
				continue
			}
			e := &expander{defs: k8sDefs, strict: strict}
			if props, _ := s["properties"].(obj); props != nil && k8sDefs != nil && k8sDefs[defObjectMeta] != nil {
				if md, _ := props["metadata"].(obj); md != nil && md["properties"] == nil && md["$ref"] == nil {
					props["metadata"] = obj{"$ref": refPrefix + defObjectMeta}
				}
			}
			root := e.expandRoot(s, []string{})
			setGVKEnums(root, group+"/"+vname, kind)
			out := filepath.Join(dir, group, strings.ToLower(kind)+"_"+strings.ToLower(vname)+".json")
			mustMkdir(filepath.Dir(out))
			writeJSON(out, root)
			found[kind] = true
			n++
		}
	}
	return n
}

// ---------------------------------------------------------------- expansion

type expander struct {
	defs      obj
	strict    bool
	recursive map[string]bool
}

// expandRoot expands s and adds "definitions" for self-referencing types.
func (e *expander) expandRoot(s obj, stack []string) obj {
	e.recursive = map[string]bool{}
	root := e.expand(s, stack)
	done := map[string]bool{}
	localDefs := obj{}
	for {
		var todo []string
		for name := range e.recursive {
			if !done[name] {
				todo = append(todo, name)
			}
		}
		if len(todo) == 0 {
			break
		}
		sort.Strings(todo)
		for _, name := range todo {
			done[name] = true
			localDefs[name] = e.expand(e.def(name), []string{name})
		}
	}
	if len(localDefs) > 0 {
		root["definitions"] = localDefs
	}
	return root
}

func (e *expander) def(name string) obj {
	d, _ := e.defs[name].(obj)
	if d == nil {
		fail("unknown definition %q", name)
	}
	return d
}

func (e *expander) expand(s obj, stack []string) obj {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, refPrefix)
		if name == defQuantity {
			return obj{"oneOf": []any{obj{"type": "string"}, obj{"type": "number"}}}
		}
		for _, seen := range stack {
			if seen == name {
				e.recursive[name] = true
				return obj{"$ref": refPrefix + name}
			}
		}
		return e.expand(e.def(name), append(stack[:len(stack):len(stack)], name))
	}
	if s["format"] == "int-or-string" {
		return obj{"oneOf": []any{obj{"type": "string"}, obj{"type": "integer"}}}
	}

	out := obj{}
	for k, v := range s {
		switch {
		case k == "description" || strings.HasPrefix(k, "x-") || k == "nullable":
			// dropped (nullable is handled below)
		case k == "properties" || k == "patternProperties":
			m := obj{}
			for pk, pv := range v.(obj) {
				m[pk] = e.expandAny(pv, stack)
			}
			out[k] = m
		case k == "items" || k == "additionalProperties" || k == "not":
			out[k] = e.expandAny(v, stack)
		case k == "allOf" || k == "anyOf" || k == "oneOf":
			var l []any
			for _, x := range v.([]any) {
				l = append(l, e.expandAny(x, stack))
			}
			out[k] = l
		default:
			out[k] = v
		}
	}

	if e.strict && s["properties"] != nil && s["additionalProperties"] == nil && s[preserveFields] != true {
		out["additionalProperties"] = false
	}
	if props, ok := out["properties"].(obj); ok {
		required := map[string]bool{}
		if r, ok := out["required"].([]any); ok {
			for _, x := range r {
				if name, ok := x.(string); ok {
					required[name] = true
				}
			}
		}
		for name, p := range props {
			if !required[name] {
				props[name] = allowNull(p)
			}
		}
	}
	if s["nullable"] == true {
		return allowNull(out).(obj)
	}
	return out
}

func (e *expander) expandAny(v any, stack []string) any {
	switch t := v.(type) {
	case obj:
		return e.expand(t, stack)
	case []any: // tuple-style items
		var l []any
		for _, x := range t {
			l = append(l, e.expandAny(x, stack))
		}
		return l
	default:
		return v // booleans
	}
}

// allowNull makes schema p also accept JSON null.
func allowNull(v any) any {
	p, ok := v.(obj)
	if !ok {
		return v
	}
	if _, ok := p["$ref"]; ok {
		return obj{"anyOf": []any{p, obj{"type": "null"}}}
	}
	if t, ok := p["type"]; ok {
		switch tt := t.(type) {
		case string:
			if tt != "null" {
				p["type"] = []any{tt, "null"}
			}
		case []any:
			if !containsValue(tt, "null") {
				p["type"] = append(tt, "null")
			}
		}
		if enum, ok := p["enum"].([]any); ok && !containsValue(enum, nil) {
			p["enum"] = append(enum, nil)
		}
		return p
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		if alts, ok := p[k].([]any); ok {
			typed := true
			for _, a := range alts {
				if m, ok := a.(obj); !ok || m["type"] == nil {
					typed = false
				}
			}
			if typed || k == "anyOf" {
				p[k] = append(alts, obj{"type": "null"})
			}
			return p
		}
	}
	return p // no type constraint: null is accepted already
}

func containsValue(l []any, v any) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

func setGVKEnums(root obj, apiVersion, kind string) {
	props, _ := root["properties"].(obj)
	if props == nil {
		return
	}
	for name, val := range map[string]string{"apiVersion": apiVersion, "kind": kind} {
		if p, ok := props[name].(obj); ok {
			p["enum"] = []any{val}
		}
	}
}

// ---------------------------------------------------------------- helpers

func mustRead(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	return b
}

func mustDecodeJSON(b []byte, v any) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		fail("decoding JSON: %v", err)
	}
}

func mustMkdir(dir string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fail("%v", err)
	}
}

func writeJSON(path string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fail("encoding %s: %v", path, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "schemagen: "+format+"\n", args...)
	os.Exit(1)
}

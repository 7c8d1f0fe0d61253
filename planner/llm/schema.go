package llm

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Tool parameter schemas are generated from the Go argument types below
// (wire.go), so the schema the model sees and the struct its answer is
// decoded into cannot drift apart. Struct tags drive the generator:
//
//	json:"name,omitempty"  property name; fields without omitempty are required
//	desc:"…"               description
//	enum:"a|b"             fixed values
//	min:"1" max:"100"      integer bounds
//	pattern:"…"            string pattern
//	vocab:"key"            values filled per call from the catalog vocabulary
//	                       (categories, merchants, brands, candidate ids); on
//	                       a map, vocab:"attributes" lists every attribute key
//	                       with its values
type schemaVocab struct {
	enums      map[string][]string
	attributes map[string][]string
}

// schemaOf builds a JSON Schema object for v's type.
func schemaOf(v any, voc schemaVocab) map[string]any {
	return voc.schema(reflect.TypeOf(v), "", "")
}

func (voc schemaVocab) schema(t reflect.Type, vocabTag, desc string) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	s := map[string]any{}
	if desc != "" {
		s["description"] = desc
	}
	switch t.Kind() {
	case reflect.Struct:
		props := map[string]any{}
		var required []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			ps := voc.schema(f.Type, f.Tag.Get("vocab"), f.Tag.Get("desc"))
			if e := f.Tag.Get("enum"); e != "" {
				setEnum(ps, strings.Split(e, "|"))
			}
			for _, k := range []string{"min", "max"} {
				if v := f.Tag.Get(k); v != "" {
					n, err := strconv.Atoi(v)
					if err != nil {
						panic(fmt.Sprintf("llm schema: %s.%s: bad %s tag %q", t.Name(), f.Name, k, v))
					}
					ps[map[string]string{"min": "minimum", "max": "maximum"}[k]] = n
				}
			}
			if p := f.Tag.Get("pattern"); p != "" {
				ps["pattern"] = p
			}
			props[name] = ps
			if !strings.Contains(opts, "omitempty") {
				required = append(required, name)
			}
		}
		s["type"] = "object"
		s["properties"] = props
		s["additionalProperties"] = false
		if len(required) > 0 {
			s["required"] = required
		}
	case reflect.Slice:
		s["type"] = "array"
		s["items"] = voc.schema(t.Elem(), vocabTag, "")
	case reflect.Map:
		s["type"] = "object"
		if vocabTag == "attributes" && len(voc.attributes) > 0 {
			props := map[string]any{}
			for k, vals := range voc.attributes {
				props[k] = voc.schema(t.Elem(), "", "")
				setEnum(props[k].(map[string]any), vals)
			}
			s["properties"] = props
			s["additionalProperties"] = false
		} else {
			s["additionalProperties"] = voc.schema(t.Elem(), "", "")
		}
	case reflect.String:
		s["type"] = "string"
		if vals := voc.enums[vocabTag]; vocabTag != "" && len(vals) > 0 {
			s["enum"] = sortedCopy(vals)
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		s["type"] = "integer"
	case reflect.Bool:
		s["type"] = "boolean"
	case reflect.Float64, reflect.Float32:
		s["type"] = "number"
	default:
		panic(fmt.Sprintf("llm schema: unsupported kind %s", t.Kind()))
	}
	return s
}

// setEnum puts values on a string schema, or on the items of an array one.
func setEnum(s map[string]any, vals []string) {
	if items, ok := s["items"].(map[string]any); ok {
		s = items
	}
	s["enum"] = sortedCopy(vals)
}

func sortedCopy(v []string) []string {
	out := append([]string(nil), v...)
	sort.Strings(out)
	return out
}

package evals

import (
	"reflect"

	"github.com/cartwright-agent/cartwright/skills/safetext"
)

// inertMax bounds any one string a report shows.
const inertMax = 4000

// inertRun is a deep copy of r with every string in it (merchant titles,
// reasons, messages, step details, attribute keys and values, …) made
// inert by safetext.Terminal: control characters, DEL, C1 and bidi marks
// become visible escapes and the length is bounded. The HTML templates
// then escape for HTML, so merchant text can neither run nor forge what a
// reader sees, whichever field it reaches.
func inertRun(r Run) Run {
	return inertValue(reflect.ValueOf(r)).Interface().(Run)
}

func inertValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		if safetext.Safe(s) && len(s) <= inertMax {
			return v
		}
		return reflect.ValueOf(safetext.Terminal(s, inertMax)).Convert(v.Type())
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		n := reflect.New(v.Type().Elem())
		n.Elem().Set(inertValue(v.Elem()))
		return n
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		n := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			n.Index(i).Set(inertValue(v.Index(i)))
		}
		return n
	case reflect.Array:
		n := reflect.New(v.Type()).Elem()
		for i := range v.Len() {
			n.Index(i).Set(inertValue(v.Index(i)))
		}
		return n
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		n := reflect.MakeMapWithSize(v.Type(), v.Len())
		it := v.MapRange()
		for it.Next() {
			n.SetMapIndex(inertValue(it.Key()), inertValue(it.Value()))
		}
		return n
	case reflect.Struct:
		n := reflect.New(v.Type()).Elem()
		n.Set(v) // unexported fields (time.Time's) are copied as they are
		for i := range v.NumField() {
			if f := n.Field(i); f.CanSet() {
				f.Set(inertValue(v.Field(i)))
			}
		}
		return n
	}
	return v
}

// Package httpx holds the HTTP plumbing the mock merchants and the mock
// payment network share: JSON responses, ACP Error bodies, body limits and
// ACP idempotency.
package httpx

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync"

	"github.com/cartwright-agent/cartwright/skills/acp"
)

// MaxBody is the largest request body accepted (bytes).
const MaxBody = 256 << 10

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		slog.Error("encode response", "err", err)
		status = http.StatusInternalServerError
		b = []byte(`{"type":"processing_error","code":"encode_failed","message":"could not encode the response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// WriteError writes an ACP Error object.
func WriteError(w http.ResponseWriter, status int, typ, code, msg, param string) {
	WriteJSON(w, status, acp.Error{Type: typ, Code: code, Message: msg, Param: param})
}

// Invalid writes a 400 invalid_request Error.
func Invalid(w http.ResponseWriter, code, msg, param string) {
	WriteError(w, http.StatusBadRequest, acp.ErrTypeInvalidRequest, code, msg, param)
}

// DecodeJSON reads a JSON body strictly: the content type must be JSON,
// unknown fields and trailing data are errors. It writes the Error response
// itself and reports false on failure. The body must already be limited
// (Idempotent does that for POSTs).
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any, optional bool) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		WriteError(w, http.StatusUnsupportedMediaType, acp.ErrTypeInvalidRequest, "unsupported_media_type", "Content-Type must be application/json, not "+ct, "")
		return false
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			WriteError(w, http.StatusRequestEntityTooLarge, acp.ErrTypeInvalidRequest, "request_too_large", fmt.Sprintf("request body exceeds %d bytes", mb.Limit), "")
			return false
		}
		Invalid(w, "invalid_body", "could not read the request body", "")
		return false
	}
	if len(bytes.TrimSpace(b)) == 0 {
		if optional {
			return true
		}
		Invalid(w, "invalid_json", "request body is empty; a JSON object is required", "$")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		Invalid(w, "invalid_json", "malformed request body: "+jsonErr(err), jsonParam(err))
		return false
	}
	if dec.More() {
		Invalid(w, "invalid_json", "unexpected data after the JSON object", "$")
		return false
	}
	return true
}

// jsonErr describes a decoding error in JSON's terms: the field's JSON
// type, never the Go type behind it.
func jsonErr(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return fmt.Sprintf("the body must be %s, got %s", jsonKind(te.Type), te.Value)
		}
		return fmt.Sprintf("field %q must be %s, got %s", te.Field, jsonKind(te.Type), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, se.Error())
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if strings.Contains(msg, "Go ") || strings.Contains(msg, "struct") {
		return "a value has the wrong JSON type" // a custom decoder's message naming Go types
	}
	return msg
}

// jsonKind names what JSON value decodes into t.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a JSON value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[json.Number]() {
		return "a number"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a JSON value"
}

// Methods answers a request whose path is known but whose method is not
// with 405 Method Not Allowed, an Allow header and an ACP Error body,
// instead of the catch-all's 404. mux holds the routes; catchAll is the
// pattern of its catch-all handler ("/"); next serves everything else
// (mux itself, or mux behind middleware). write, when set, writes the 405
// body (an HTML page for a storefront); by default an ACP Error.
func Methods(mux *http.ServeMux, catchAll string, next http.Handler, write func(w http.ResponseWriter, r *http.Request, allow string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pat := mux.Handler(r); pat == catchAll {
			var allow []string
			for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
				if m == r.Method {
					continue
				}
				probe := r.Clone(r.Context())
				probe.Method = m
				if _, p := mux.Handler(probe); p != catchAll && p != "" {
					allow = append(allow, m)
				}
			}
			if len(allow) > 0 {
				a := strings.Join(allow, ", ")
				w.Header().Set("Allow", a)
				if write != nil {
					write(w, r, a)
					return
				}
				WriteError(w, http.StatusMethodNotAllowed, acp.ErrTypeInvalidRequest, "method_not_allowed",
					fmt.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, a), "")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func jsonParam(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return "$." + te.Field
	}
	const unknown = `json: unknown field "`
	if s := err.Error(); strings.HasPrefix(s, unknown) {
		return "$." + strings.TrimSuffix(strings.TrimPrefix(s, unknown), `"`)
	}
	return "$"
}

// Idempotency implements ACP's Idempotency-Key rules for POST requests:
// missing key → 400 idempotency_key_required; same key while the first
// request runs → 409 idempotency_in_flight (Retry-After: 1); same key with a
// different body → 422 idempotency_conflict; same key and body → the first
// response again with Idempotent-Replayed: true. Keys are scoped to the
// request path. 5xx responses are not remembered, so a retry after a
// temporary failure runs again. Non-POST requests pass through.
//
// The handler runs to completion even when the client goes away: it gets
// the request's context without its cancellation (values are kept), so a
// state change that started is finished and its real status and body are
// stored for the replay. A handler that writes nothing is never stored (the
// key is released and the client gets a 500), so a replay can only return
// a response the handler actually wrote.
type Idempotency struct {
	mu sync.Mutex
	m  map[string]*idemEntry
}

type idemEntry struct {
	fingerprint [32]byte
	done        bool
	status      int
	header      http.Header
	body        []byte
}

// NewIdempotency returns an empty idempotency store.
func NewIdempotency() *Idempotency { return &Idempotency{m: map[string]*idemEntry{}} }

// Wrap applies the idempotency rules (and the body limit) around next.
func (s *Idempotency) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		key := r.Header.Get(acp.HeaderIdempotencyKey)
		if key == "" {
			Invalid(w, "idempotency_key_required", "Idempotency-Key header is required", "")
			return
		}
		if len(key) > 255 {
			Invalid(w, "invalid_idempotency_key", "Idempotency-Key must be at most 255 characters", "")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
		if err != nil {
			var mb *http.MaxBytesError
			if errors.As(err, &mb) {
				WriteError(w, http.StatusRequestEntityTooLarge, acp.ErrTypeInvalidRequest, "request_too_large", fmt.Sprintf("request body exceeds %d bytes", mb.Limit), "")
				return
			}
			Invalid(w, "invalid_body", "could not read the request body", "")
			return
		}
		fp := sha256.Sum256(body)
		scope := r.URL.Path + "\x00" + key
		s.mu.Lock()
		e, ok := s.m[scope]
		switch {
		case ok && !e.done:
			s.mu.Unlock()
			w.Header().Set("Retry-After", "1")
			WriteError(w, http.StatusConflict, acp.ErrTypeInvalidRequest, "idempotency_in_flight", "A request with this Idempotency-Key is currently being processed", "")
			return
		case ok && e.fingerprint != fp:
			s.mu.Unlock()
			WriteError(w, http.StatusUnprocessableEntity, acp.ErrTypeInvalidRequest, "idempotency_conflict", "Idempotency-Key has already been used with a different request body", "")
			return
		case ok:
			s.mu.Unlock()
			for k, v := range e.header {
				w.Header()[k] = v
			}
			w.Header().Set(acp.HeaderReplayed, "true")
			w.WriteHeader(e.status)
			_, _ = w.Write(e.body)
			return
		}
		e = &idemEntry{fingerprint: fp}
		s.m[scope] = e
		s.mu.Unlock()

		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		// Detach from the client: a disconnect must not abort (or half-do)
		// the work this key now stands for.
		r = r.WithContext(context.WithoutCancel(r.Context()))
		r.Body = io.NopCloser(bytes.NewReader(body))
		func() {
			defer func() {
				if p := recover(); p != nil {
					slog.Error("handler panic", "path", r.URL.Path, "panic", p)
					rec.header = http.Header{}
					rec.body.Reset()
					rec.status, rec.wroteHeader = http.StatusInternalServerError, true
					b, _ := json.Marshal(acp.Error{Type: acp.ErrTypeProcessingError, Code: "internal_error", Message: "internal error"})
					rec.header.Set("Content-Type", "application/json")
					rec.body.Write(b)
				}
			}()
			next.ServeHTTP(rec, r)
		}()
		if !rec.wroteHeader {
			slog.Error("handler wrote no response", "path", r.URL.Path)
			rec.header = http.Header{}
			rec.body.Reset()
			rec.status = http.StatusInternalServerError
			b, _ := json.Marshal(acp.Error{Type: acp.ErrTypeProcessingError, Code: "internal_error", Message: "the server produced no response; retry with the same Idempotency-Key"})
			rec.header.Set("Content-Type", "application/json")
			rec.body.Write(b)
		}
		rec.header.Set(acp.HeaderIdempotencyKey, key)

		s.mu.Lock()
		if rec.status >= 500 {
			delete(s.m, scope)
		} else {
			e.done, e.status, e.header, e.body = true, rec.status, rec.header.Clone(), rec.body.Bytes()
		}
		s.mu.Unlock()

		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
	})
}

type recorder struct {
	header      http.Header
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(s int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = s, true
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	return r.body.Write(b)
}

// Recover turns a panic in next into a 500 ACP Error (no stack trace is
// sent to the client; it is logged).
func Recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				slog.Error("handler panic", "path", r.URL.Path, "panic", p)
				WriteError(w, http.StatusInternalServerError, acp.ErrTypeProcessingError, "internal_error", "internal error", "")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

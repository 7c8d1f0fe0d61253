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

func jsonErr(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q must be %s, got %s", te.Field, te.Type, te.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
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

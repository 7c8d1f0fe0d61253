package paynet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/merchants/internal/httpx"
	"github.com/cartwright-agent/cartwright/skills/acp"
	"github.com/cartwright-agent/cartwright/skills/witness"
)

// Handler serves the network's HTTP API (see the package documentation).
func (n *Network) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /agentic_commerce/delegate_payment", n.serveDelegate)
	mux.HandleFunc("POST /processor/captures", n.serveCapture)
	mux.HandleFunc("POST /processor/refunds", n.serveRefund)
	mux.HandleFunc("POST "+witness.Path, n.serveWitness)
	mux.HandleFunc("GET /witness/key", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"network_key": witness.KeyString(n.WitnessKey())})
	})
	mux.HandleFunc("GET /processor/ledger", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"entries": n.Ledger()})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, http.StatusNotFound, acp.ErrTypeInvalidRequest, "not_found", "no route "+r.Method+" "+r.URL.Path, "")
	})
	return httpx.Recover(httpx.Methods(mux, "/", httpx.NewIdempotency().Wrap(mux), nil))
}

func writeErr(w http.ResponseWriter, err error) {
	var fe *FieldError
	var de *DeclineError
	var ve *VerifyError
	switch {
	case errors.As(err, &de):
		httpx.WriteError(w, http.StatusPaymentRequired, acp.ErrTypeInvalidRequest, "payment_declined:"+de.Code, de.Msg, "")
	case errors.As(err, &ve):
		httpx.WriteError(w, http.StatusForbidden, acp.ErrTypeInvalidRequest, "delegation_refused", ve.Err.Error(), "metadata")
	case errors.As(err, &fe):
		code := "invalid_request"
		if strings.HasPrefix(fe.Param, "payment_method") {
			code = "invalid_card"
		}
		httpx.WriteError(w, http.StatusBadRequest, acp.ErrTypeInvalidRequest, code, fe.Msg, fe.Param)
	default:
		httpx.WriteError(w, http.StatusInternalServerError, acp.ErrTypeProcessingError, "processing_error", "payment network error", "")
	}
}

func (n *Network) serveDelegate(w http.ResponseWriter, r *http.Request) {
	var req DelegateRequest
	if !httpx.DecodeJSON(w, r, &req, false) {
		return
	}
	resp, err := n.Delegate(r.Context(), req)
	if err != nil {
		writeErr(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, resp)
}

func (n *Network) serveWitness(w http.ResponseWriter, r *http.Request) {
	var req witness.Request
	if !httpx.DecodeJSON(w, r, &req, false) {
		return
	}
	c, err := n.Witness(r.Context(), req)
	if errors.Is(err, witness.ErrConflict) {
		httpx.WriteError(w, http.StatusConflict, acp.ErrTypeInvalidRequest, "witness_conflict", err.Error(), "seq")
		return
	}
	if err != nil {
		writeErr(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
}

func (n *Network) serveCapture(w http.ResponseWriter, r *http.Request) {
	var req CaptureRequest
	if !httpx.DecodeJSON(w, r, &req, false) {
		return
	}
	req.IdempotencyKey = r.Header.Get(acp.HeaderIdempotencyKey)
	c, err := n.Capture(r.Context(), req)
	if err != nil {
		writeErr(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
}

func (n *Network) serveRefund(w http.ResponseWriter, r *http.Request) {
	var req RefundRequest
	if !httpx.DecodeJSON(w, r, &req, false) {
		return
	}
	req.IdempotencyKey = r.Header.Get(acp.HeaderIdempotencyKey)
	rf, err := n.Refund(r.Context(), req)
	if err != nil {
		writeErr(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, rf)
}

// Client reaches a Network over HTTP; merchants use it to capture and
// refund. Temporary failures (network errors, 5xx) are retried with the same
// Idempotency-Key, so a retry never captures twice.
type Client struct {
	BaseURL    string
	HTTPClient *http.Client
	Retries    int
	Backoff    time.Duration
}

func (c *Client) post(ctx context.Context, path, key string, in, out any) error {
	if key == "" {
		return fmt.Errorf("paynet: %s needs an idempotency key", path)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	backoff := c.Backoff
	if backoff <= 0 {
		backoff = 20 * time.Millisecond
	}
	var last error
	for attempt := 0; attempt <= c.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(backoff << (attempt - 1)):
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.BaseURL, "/")+path, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(acp.HeaderIdempotencyKey, key)
		resp, err := hc.Do(req)
		if err != nil {
			last = err
			continue
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			last = err
			continue
		}
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusConflict {
			last = fmt.Errorf("paynet: %s: HTTP %d", path, resp.StatusCode)
			continue
		}
		if resp.StatusCode >= 300 {
			var e acp.Error
			_ = json.Unmarshal(b, &e)
			if code, ok := strings.CutPrefix(e.Code, "payment_declined:"); ok {
				return &DeclineError{Code: code, Msg: e.Message}
			}
			return &FieldError{Param: e.Param, Msg: fmt.Sprintf("HTTP %d %s: %s", resp.StatusCode, e.Code, e.Message)}
		}
		return json.Unmarshal(b, out)
	}
	return fmt.Errorf("paynet unavailable: %w", last)
}

// Capture implements Processor over HTTP.
func (c *Client) Capture(ctx context.Context, req CaptureRequest) (*Capture, error) {
	var out Capture
	if err := c.post(ctx, "/processor/captures", req.IdempotencyKey, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Refund implements Processor over HTTP.
func (c *Client) Refund(ctx context.Context, req RefundRequest) (*RefundRecord, error) {
	var out RefundRecord
	if err := c.post(ctx, "/processor/refunds", req.IdempotencyKey, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

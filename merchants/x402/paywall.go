package x402

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/pay"
)

// Paywall puts a price on a handler: a request without a valid
// PAYMENT-SIGNATURE gets 402 with PAYMENT-REQUIRED; a valid one is
// verified, served, then settled, and the answer carries PAYMENT-RESPONSE.
// A resource that fails (status ≥ 400) is not settled: nothing is charged
// for an error.
type Paywall struct {
	Price       skills.Money
	PayTo       string
	Network     string // default pay.NetworkLedger
	Description string
	MimeType    string
	// MaxTimeoutSeconds bounds the authorization window (default 60).
	MaxTimeoutSeconds int
	Facilitator       FacilitatorAPI
	Next              http.Handler
}

func (p *Paywall) requirements() pay.X402Requirements {
	n := p.Network
	if n == "" {
		n = pay.NetworkLedger
	}
	t := p.MaxTimeoutSeconds
	if t <= 0 {
		t = 60
	}
	return pay.X402Requirements{Scheme: pay.SchemeExact, Network: n, Amount: strconv.FormatInt(p.Price.Minor, 10),
		Asset: string(p.Price.Currency), PayTo: p.PayTo, MaxTimeoutSeconds: t}
}

// resourceURL is what a request asks for, as PAYMENT-REQUIRED names it.
func resourceURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

func (p *Paywall) require(w http.ResponseWriter, r *http.Request, msg string) {
	pr := pay.X402PaymentRequired{X402Version: pay.X402Version, Error: msg,
		Resource: pay.X402Resource{URL: resourceURL(r), Description: p.Description, MimeType: p.MimeType},
		Accepts:  []pay.X402Requirements{p.requirements()}}
	h, err := pay.EncodeHeader(pr)
	if err != nil {
		http.Error(w, "encode payment requirements", http.StatusInternalServerError)
		return
	}
	w.Header().Set(pay.HeaderPaymentRequired, h)
	writeJSON(w, http.StatusPaymentRequired, pr)
}

// ServeHTTP implements http.Handler.
func (p *Paywall) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.Facilitator == nil || p.Next == nil {
		slog.Error("x402 paywall misconfigured", "err", errNoFacilitator)
		http.Error(w, "paywall misconfigured", http.StatusInternalServerError)
		return
	}
	sigHdr := r.Header.Get(pay.HeaderPaymentSig)
	if sigHdr == "" {
		p.require(w, r, pay.HeaderPaymentSig+" header is required")
		return
	}
	var payload pay.X402PaymentPayload
	if err := pay.DecodeHeader(sigHdr, &payload); err != nil {
		p.require(w, r, ReasonPayload+": "+err.Error())
		return
	}
	// A payment names the resource it pays for: it buys that one, not
	// another request (replaying the same paid request is answered again
	// without a second charge: settlement is idempotent on the nonce).
	if payload.Resource != nil && payload.Resource.URL != resourceURL(r) {
		p.require(w, r, ReasonPayload+": the payment is for "+payload.Resource.URL+", not this resource")
		return
	}
	freq := pay.X402FacilitatorRequest{X402Version: pay.X402Version, PaymentPayload: payload, PaymentRequirements: p.requirements()}
	v, err := p.Facilitator.Verify(r.Context(), freq)
	if err != nil {
		http.Error(w, "facilitator unavailable", http.StatusBadGateway)
		return
	}
	if !v.IsValid {
		p.require(w, r, v.InvalidReason)
		return
	}
	rec := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
	p.Next.ServeHTTP(rec, r)
	if rec.status >= 400 {
		rec.flush(w) // failed resource: not settled, nothing charged
		return
	}
	s, err := p.Facilitator.Settle(r.Context(), freq)
	if err != nil {
		http.Error(w, "facilitator unavailable", http.StatusBadGateway)
		return
	}
	h, err := pay.EncodeHeader(s)
	if err != nil {
		http.Error(w, "encode settlement", http.StatusInternalServerError)
		return
	}
	if !s.Success {
		w.Header().Set(pay.HeaderPaymentResponse, h)
		p.require(w, r, fmt.Sprintf("settlement failed: %s", s.ErrorReason))
		return
	}
	rec.header.Set(pay.HeaderPaymentResponse, h)
	rec.flush(w)
}

type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header         { return b.header }
func (b *bufferedResponse) WriteHeader(s int)           { b.status = s }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }

func (b *bufferedResponse) flush(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}

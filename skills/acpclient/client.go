// Package acpclient is Cartwright's client for merchants that speak the
// Agentic Commerce Protocol (version 2026-04-17) checkout API. The wire
// types of the protocol, shared with the mock merchants' server side, live
// in skills/acp.
//
// A Client implements skills.Merchant from a base URL alone: checkout goes
// through ACP's /checkout_sessions endpoints, and merchant information,
// product search and orders through Cartwright's small extension under
// /cartwright/v1 (info, products, products/{sku}, orders/{id},
// orders/{id}/cancel, orders/{id}/refunds). Every POST carries an
// Idempotency-Key (generated when the caller gives none), so temporary
// failures (503, 409 idempotency_in_flight, network errors) are retried
// with backoff without doing the work twice.
package acpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cartwright-agent/cartwright/skills/acp"

	"github.com/cartwright-agent/cartwright/skills"
)

// ExtPrefix is the path prefix of Cartwright's non-ACP routes.
const ExtPrefix = "/cartwright/v1"

var _ skills.Merchant = (*Client)(nil)

// Config configures a Client.
type Config struct {
	// BaseURL is the merchant's URL (the ACP routes are below it).
	BaseURL string
	// HTTPClient defaults to a client with a 30 s timeout.
	HTTPClient *http.Client
	// Retries is how many times a temporary failure is retried (default 3;
	// negative: never).
	Retries int
	// Backoff is the first retry delay, doubled each time (default 100 ms).
	Backoff time.Duration
	// Bearer, when set, is sent as Authorization: Bearer ….
	Bearer string
}

// Client talks to one merchant over HTTP. It is safe for concurrent use.
type Client struct {
	base    string
	hc      *http.Client
	retries int
	backoff time.Duration
	bearer  string
	trips   atomic.Int64

	mu        sync.Mutex
	info      *skills.MerchantInfo
	payment   *acp.PaymentInfo
	requested map[string]map[string]bool // session id → SKUs the buyer asked for
}

// New returns a client for the merchant at cfg.BaseURL.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("acp: base URL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	c := &Client{
		base:      strings.TrimRight(cfg.BaseURL, "/"),
		hc:        cfg.HTTPClient,
		retries:   cfg.Retries,
		backoff:   cfg.Backoff,
		bearer:    cfg.Bearer,
		requested: map[string]map[string]bool{},
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: 30 * time.Second}
	}
	if c.retries == 0 {
		c.retries = 3
	}
	if c.retries < 0 {
		c.retries = 0
	}
	if c.backoff <= 0 {
		c.backoff = 100 * time.Millisecond
	}
	return c, nil
}

// RoundTrips is the number of HTTP requests the client has sent (retries
// included), for benchmarks and cost reports.
func (c *Client) RoundTrips() int64 { return c.trips.Load() }

// BaseURL is the merchant's URL.
func (c *Client) BaseURL() string { return c.base }

// APIError is an HTTP error answer with its ACP Error body.
type APIError struct {
	Status int
	Err    acp.Error
	kind   error
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("HTTP %d", e.Status)
	if e.Err.Code != "" {
		msg += " " + e.Err.Code
	}
	if e.Err.Message != "" {
		msg += ": " + e.Err.Message
	}
	if e.Err.Param != "" {
		msg += " (" + e.Err.Param + ")"
	}
	return msg
}

// Unwrap gives the skills sentinel error this answer means.
func (e *APIError) Unwrap() error { return e.kind }

func classify(status int, body acp.Error) error {
	switch {
	case status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests || status >= 500:
		return skills.ErrUnavailable
	case status == http.StatusConflict && body.Code == "idempotency_in_flight":
		// The first request under this key is still running at the
		// merchant: its outcome is not known yet (it may still charge), so
		// this is "try again later", never a refusal.
		return skills.ErrUnavailable
	case status == http.StatusNotFound || body.Code == "invalid_item_id":
		return skills.ErrNotFound
	case status == http.StatusPaymentRequired:
		return skills.ErrPaymentDeclined
	default:
		return skills.ErrInvalid
	}
}

// NewIdempotencyKey returns a random key.
func NewIdempotencyKey() string { return skills.NewID("", 16) }

func retryable(status int, code string) bool {
	return status == http.StatusServiceUnavailable || status == http.StatusBadGateway ||
		status == http.StatusGatewayTimeout || status == http.StatusTooManyRequests ||
		(status == http.StatusConflict && code == "idempotency_in_flight")
}

// do sends a request (retrying temporary failures) and decodes a 2xx body
// into out. POSTs always carry an Idempotency-Key.
func (c *Client) do(ctx context.Context, method, path, key string, in, out any) (int, error) {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return 0, fmt.Errorf("acp: encode request: %w", err)
		}
	}
	if method == http.MethodPost && key == "" {
		key = NewIdempotencyKey()
	}
	var last error
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			d := c.backoff << (attempt - 1)
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return 0, fmt.Errorf("%w: %v (last: %v)", skills.ErrUnavailable, ctx.Err(), last)
			case <-t.C:
			}
		}
		status, err := c.once(ctx, method, path, key, body, out)
		if err == nil {
			return status, nil
		}
		last = err
		var ae *APIError
		temporary := !errors.As(err, &ae) || retryable(ae.Status, ae.Err.Code)
		if ctx.Err() != nil {
			return 0, fmt.Errorf("%w: %v", skills.ErrUnavailable, err)
		}
		if !temporary || attempt >= c.retries {
			if ae == nil {
				return 0, fmt.Errorf("%w: %s %s: %v", skills.ErrUnavailable, method, path, err)
			}
			return status, err
		}
	}
}

func (c *Client) once(ctx context.Context, method, path, key string, body []byte, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set(acp.HeaderAPIVersion, acp.Version)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set(acp.HeaderIdempotencyKey, key)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	c.trips.Add(1)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var e acp.Error
		if json.Unmarshal(b, &e) != nil || e.Code == "" {
			e = acp.Error{Type: acp.ErrTypeProcessingError, Code: "http_" + strconv.Itoa(resp.StatusCode), Message: strings.TrimSpace(string(b))}
			if len(e.Message) > 200 {
				e.Message = e.Message[:200]
			}
		}
		return resp.StatusCode, &APIError{Status: resp.StatusCode, Err: e, kind: classify(resp.StatusCode, e)}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, &APIError{Status: resp.StatusCode, Err: acp.Error{Type: acp.ErrTypeProcessingError, Code: "bad_response", Message: "undecodable response: " + err.Error()}, kind: skills.ErrInvalid}
		}
	}
	return resp.StatusCode, nil
}

// Info returns the merchant's published information (fetched once).
func (c *Client) Info(ctx context.Context) (skills.MerchantInfo, error) {
	c.mu.Lock()
	if c.info != nil {
		i := *c.info
		c.mu.Unlock()
		return i, nil
	}
	c.mu.Unlock()
	var body struct {
		skills.MerchantInfo
		Payment *acp.PaymentInfo `json:"payment,omitempty"`
	}
	if _, err := c.do(ctx, http.MethodGet, ExtPrefix+"/info", "", nil, &body); err != nil {
		return skills.MerchantInfo{}, fmt.Errorf("acp %s: info: %w", c.base, err)
	}
	info := body.MerchantInfo
	if info.ID == "" || !info.Currency.Valid() {
		return skills.MerchantInfo{}, fmt.Errorf("acp %s: info: %w: missing id or currency", c.base, skills.ErrInvalid)
	}
	c.mu.Lock()
	c.info, c.payment = &info, body.Payment
	c.mu.Unlock()
	return info, nil
}

// Payment returns where to obtain a delegated payment token for this
// merchant, as the merchant publishes it (ErrNotFound when it does not).
func (c *Client) Payment(ctx context.Context) (acp.PaymentInfo, error) {
	if _, err := c.Info(ctx); err != nil {
		return acp.PaymentInfo{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.payment == nil || c.payment.DelegateURL == "" {
		return acp.PaymentInfo{}, fmt.Errorf("acp %s: %w: the merchant publishes no payment network", c.base, skills.ErrNotFound)
	}
	return *c.payment, nil
}

// Search queries the merchant's catalog.
func (c *Client) Search(ctx context.Context, q skills.Query) ([]skills.Product, error) {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("q", q.Text)
	set("category", q.Category)
	set("brand", q.Brand)
	for k, val := range q.Attributes {
		v.Add("attr", k+":"+val)
	}
	if q.MinPrice > 0 {
		v.Set("min_price", strconv.FormatInt(q.MinPrice, 10))
	}
	if q.MaxPrice > 0 {
		v.Set("max_price", strconv.FormatInt(q.MaxPrice, 10))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	path := ExtPrefix + "/products"
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	var out struct {
		Products []skills.Product `json:"products"`
	}
	if _, err := c.do(ctx, http.MethodGet, path, "", nil, &out); err != nil {
		return nil, fmt.Errorf("acp %s: search: %w", c.base, err)
	}
	return out.Products, nil
}

// Product returns one product by SKU.
func (c *Client) Product(ctx context.Context, sku string) (skills.Product, error) {
	var p skills.Product
	if _, err := c.do(ctx, http.MethodGet, ExtPrefix+"/products/"+url.PathEscape(sku), "", nil, &p); err != nil {
		return skills.Product{}, fmt.Errorf("acp %s: product %s: %w", c.base, sku, err)
	}
	return p, nil
}

func toAddress(a *skills.Address) *acp.FulfillmentDetails {
	if a == nil {
		return nil
	}
	fd := &acp.FulfillmentDetails{Name: a.Name, PhoneNumber: a.Phone, Email: a.Email}
	if a.Line1 != "" || a.City != "" || a.PostalCode != "" {
		fd.Address = &acp.Address{Name: a.Name, LineOne: a.Line1, LineTwo: a.Line2, City: a.City, State: a.Region, Country: a.Country, PostalCode: a.PostalCode}
	}
	return fd
}

// Quote creates (req.QuoteID == "") or updates a checkout session. Lines
// the merchant put in the cart that the buyer did not ask for come back
// with AddOn set. A line the merchant cannot supply in the asked quantity
// is an error wrapping skills.ErrOutOfStock.
func (c *Client) Quote(ctx context.Context, req skills.QuoteRequest) (*skills.Quote, error) {
	info, err := c.Info(ctx)
	if err != nil {
		return nil, err
	}
	if len(req.Lines) == 0 {
		return nil, fmt.Errorf("acp %s: quote: %w: no lines", c.base, skills.ErrInvalid)
	}
	items := make([]acp.Item, len(req.Lines))
	want := map[string]bool{}
	for i, l := range req.Lines {
		q := l.Quantity
		items[i] = acp.Item{ID: l.SKU, Quantity: &q}
		want[l.SKU] = true
	}
	var disc *acp.DiscountsRequest
	if req.Coupon != "" {
		disc = &acp.DiscountsRequest{Codes: []string{req.Coupon}}
	}
	var s acp.CheckoutSession
	if req.QuoteID == "" {
		body := acp.CreateSessionRequest{
			LineItems: items, Currency: strings.ToLower(string(info.Currency)),
			Capabilities: json.RawMessage(`{}`), FulfillmentDetails: toAddress(req.Address), Discounts: disc,
		}
		_, err = c.do(ctx, http.MethodPost, "/checkout_sessions", req.IdempotencyKey, body, &s)
	} else {
		body := acp.UpdateSessionRequest{LineItems: items, FulfillmentDetails: toAddress(req.Address), Discounts: disc}
		if disc == nil {
			body.Discounts = &acp.DiscountsRequest{Codes: []string{}}
		}
		_, err = c.do(ctx, http.MethodPost, "/checkout_sessions/"+url.PathEscape(req.QuoteID), req.IdempotencyKey, body, &s)
	}
	if err != nil {
		return nil, fmt.Errorf("acp %s: quote: %w", c.base, err)
	}
	c.mu.Lock()
	c.requested[s.ID] = want
	c.mu.Unlock()
	q, err := c.toQuote(info, &s)
	if err != nil {
		return nil, err
	}
	for _, m := range q.Messages {
		if m.Type == "error" && m.Code == "out_of_stock" {
			return nil, fmt.Errorf("acp %s: quote %s: %w: %s", c.base, s.ID, skills.ErrOutOfStock, m.Text)
		}
	}
	return q, nil
}

func (c *Client) toQuote(info skills.MerchantInfo, s *acp.CheckoutSession) (*skills.Quote, error) {
	cur, err := skills.ParseCurrency(s.Currency)
	if err != nil {
		return nil, fmt.Errorf("acp %s: session %s: %w: %v", c.base, s.ID, skills.ErrInvalid, err)
	}
	if cur != info.Currency {
		return nil, fmt.Errorf("acp %s: session %s in %s, merchant publishes %s: %w", c.base, s.ID, cur, info.Currency, skills.ErrInvalid)
	}
	c.mu.Lock()
	want := c.requested[s.ID]
	c.mu.Unlock()
	q := &skills.Quote{ID: s.ID, Merchant: info.ID, Status: s.Status}
	for _, li := range s.LineItems {
		sku := li.SKU
		if sku == "" {
			sku = li.Item.ID
		}
		name := li.Name
		if name == "" {
			name = li.Item.Name
		}
		total := li.UnitAmount * int64(li.Quantity)
		if t, ok := acp.TotalOf(li.Totals, acp.TotalTotal); ok {
			total = t
		}
		q.Lines = append(q.Lines, skills.QuoteLine{
			ID: li.ID, SKU: sku, Title: name, Quantity: li.Quantity,
			UnitPrice: skills.M(li.UnitAmount, cur), Total: skills.M(total, cur),
			AddOn: want != nil && !want[sku],
		})
	}
	get := func(t string) skills.Money { v, _ := acp.TotalOf(s.Totals, t); return skills.M(v, cur) }
	q.Subtotal, q.Discount, q.Shipping = get(acp.TotalItemsBase), get(acp.TotalDiscount), get(acp.TotalFulfillment)
	total, ok := acp.TotalOf(s.Totals, acp.TotalTotal)
	if !ok {
		return nil, fmt.Errorf("acp %s: session %s has no total: %w", c.base, s.ID, skills.ErrInvalid)
	}
	q.Total = skills.M(total, cur)
	if s.Discounts != nil && len(s.Discounts.Applied) > 0 {
		q.Coupon = s.Discounts.Applied[0].Code
	}
	for _, m := range s.Messages {
		q.Messages = append(q.Messages, skills.Message{Type: m.Type, Code: m.Code, Text: m.Content, Param: m.Param})
	}
	if s.ExpiresAt != "" {
		if t, err := time.Parse(time.RFC3339, s.ExpiresAt); err == nil {
			q.ExpiresAt = t
		}
	}
	return q, nil
}

// Complete pays for a quote with a delegated token. A moved price or
// stock returns *skills.QuoteChangedError (nothing charged); a refused
// token returns an error wrapping skills.ErrPaymentDeclined.
func (c *Client) Complete(ctx context.Context, req skills.CompleteRequest) (*skills.Order, error) {
	info, err := c.Info(ctx)
	if err != nil {
		return nil, err
	}
	if req.QuoteID == "" || req.Credential.Token == "" {
		return nil, fmt.Errorf("acp %s: complete: %w: quote id and credential token are required", c.base, skills.ErrInvalid)
	}
	typ := req.Credential.Type
	if typ == "" {
		typ = "vault_token"
	}
	body := acp.CompleteSessionRequest{PaymentData: &acp.PaymentData{
		HandlerID:  "delegated_card",
		Instrument: &acp.Instrument{Type: "card", Credential: acp.Credential{Type: typ, Token: req.Credential.Token}},
	}}
	var s acp.CheckoutSession
	if _, err := c.do(ctx, http.MethodPost, "/checkout_sessions/"+url.PathEscape(req.QuoteID)+"/complete", req.IdempotencyKey, body, &s); err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.Err.Code == "session_expired" {
			// The merchant no longer honours the quote; a new one is needed.
			return nil, &skills.QuoteChangedError{Reason: "expired: " + ae.Err.Message}
		}
		return nil, fmt.Errorf("acp %s: complete %s: %w", c.base, req.QuoteID, err)
	}
	q, err := c.toQuote(info, &s)
	if err != nil {
		return nil, err
	}
	if s.Status != StatusCompleted || s.Order == nil {
		reason, declined := "", false
		for _, m := range q.Messages {
			switch {
			case m.Type == "error" && m.Code == "payment_declined":
				declined = true
				reason = m.Text
			case m.Type == "error" && reason == "":
				reason = m.Code + ": " + m.Text
			case m.Type == "warning" && m.Code == "price_change" && reason == "":
				reason = "price_change: " + m.Text
			}
		}
		if declined {
			return nil, fmt.Errorf("acp %s: complete %s: %w: %s", c.base, req.QuoteID, skills.ErrPaymentDeclined, reason)
		}
		if reason == "" {
			reason = "session is " + s.Status
		}
		return nil, &skills.QuoteChangedError{Quote: q, Reason: reason}
	}
	o := &skills.Order{
		ID: s.Order.ID, Merchant: info.ID, QuoteID: s.ID, Status: s.Order.Status,
		Lines: q.Lines, Total: q.Total, Refunded: skills.M(0, info.Currency), CreatedAt: time.Now(),
	}
	// The merchant's order record adds the payment reference; the purchase
	// is complete either way, so a failure here is not an error.
	if full, err := c.Order(ctx, s.Order.ID); err == nil {
		o.PaymentID, o.CreatedAt, o.Status = full.PaymentID, full.CreatedAt, full.Status
	}
	return o, nil
}

// Status values (ACP) the client checks.
const StatusCompleted = "completed"

// Order fetches an order.
func (c *Client) Order(ctx context.Context, id string) (*skills.Order, error) {
	var o skills.Order
	if _, err := c.do(ctx, http.MethodGet, ExtPrefix+"/orders/"+url.PathEscape(id), "", nil, &o); err != nil {
		return nil, fmt.Errorf("acp %s: order %s: %w", c.base, id, err)
	}
	return &o, nil
}

// CancelOrder cancels a completed order (refunding it in full).
func (c *Client) CancelOrder(ctx context.Context, id, idempotencyKey string) (*skills.Order, error) {
	var o skills.Order
	if _, err := c.do(ctx, http.MethodPost, ExtPrefix+"/orders/"+url.PathEscape(id)+"/cancel", idempotencyKey, struct{}{}, &o); err != nil {
		return nil, fmt.Errorf("acp %s: cancel order %s: %w", c.base, id, err)
	}
	return &o, nil
}

// Cancel abandons a checkout session.
func (c *Client) Cancel(ctx context.Context, quoteID, idempotencyKey string) error {
	var s acp.CheckoutSession
	if _, err := c.do(ctx, http.MethodPost, "/checkout_sessions/"+url.PathEscape(quoteID)+"/cancel", idempotencyKey, acp.CancelSessionRequest{}, &s); err != nil {
		return fmt.Errorf("acp %s: cancel %s: %w", c.base, quoteID, err)
	}
	c.mu.Lock()
	delete(c.requested, quoteID)
	c.mu.Unlock()
	return nil
}

// Refund returns money for a completed order (zero amount: in full).
func (c *Client) Refund(ctx context.Context, req skills.RefundRequest) (*skills.Refund, error) {
	info, err := c.Info(ctx)
	if err != nil {
		return nil, err
	}
	if req.Amount.Minor < 0 || (!req.Amount.IsZero() && req.Amount.Currency != "" && req.Amount.Currency != info.Currency) {
		return nil, fmt.Errorf("acp %s: refund: %w: amount %s", c.base, skills.ErrInvalid, req.Amount)
	}
	body := struct {
		Amount int64  `json:"amount,omitempty"`
		Reason string `json:"reason,omitempty"`
	}{req.Amount.Minor, req.Reason}
	var r skills.Refund
	if _, err := c.do(ctx, http.MethodPost, ExtPrefix+"/orders/"+url.PathEscape(req.OrderID)+"/refunds", req.IdempotencyKey, body, &r); err != nil {
		return nil, fmt.Errorf("acp %s: refund %s: %w", c.base, req.OrderID, err)
	}
	return &r, nil
}

package merchants

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/merchants/internal/httpx"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acp"
)

// ExtPrefix is where the non-ACP routes live.
const ExtPrefix = "/cartwright/v1"

// APIHandler serves one merchant's HTTP API over its Engine (routes in the
// package documentation). Every POST follows ACP's Idempotency-Key rules;
// the latency and error_rate faults apply to every request that is not an
// idempotent replay. A POST runs to completion even when its client goes
// away mid-request (during the latency fault, say): its real answer is
// stored under the key, so the client's retry gets that answer (409 while
// it is still running), never an empty one.
func APIHandler(e *Engine) http.Handler {
	a := &api{e: e}
	mux := http.NewServeMux()
	for _, rt := range append(a.routes(), a.feedRoutes()...) {
		mux.HandleFunc(rt.method+" "+rt.pattern, rt.h)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, http.StatusNotFound, acp.ErrTypeInvalidRequest, "not_found", "no route "+r.Method+" "+r.URL.Path, "")
	})
	return serveAPI(e, mux)
}

// route is one method and path pattern of a merchant's API.
type route struct {
	method, pattern string
	h               http.HandlerFunc
}

// routes are the ACP checkout routes, the discovery document and
// Cartwright's extension (documented in openapi.cartwright.yaml); the
// feed routes are feedRoutes.
func (a *api) routes() []route {
	return []route{
		{"POST", "/checkout_sessions", a.create},
		{"POST", "/checkout_sessions/{id}", a.update},
		{"GET", "/checkout_sessions/{id}", a.get},
		{"POST", "/checkout_sessions/{id}/complete", a.complete},
		{"POST", "/checkout_sessions/{id}/cancel", a.cancel},
		{"GET", "/.well-known/acp.json", a.discovery},
		{"GET", ExtPrefix + "/info", a.info},
		{"GET", ExtPrefix + "/products", a.search},
		{"GET", ExtPrefix + "/products/{sku}", a.product},
		{"GET", ExtPrefix + "/orders/{id}", a.order},
		{"POST", ExtPrefix + "/orders/{id}/cancel", a.cancelOrder},
		{"POST", ExtPrefix + "/orders/{id}/refunds", a.refund},
	}
}

// FeedHandler serves only the merchant's Feed API (the feeds routes of
// APIHandler): a web-only merchant publishes its catalog feed through it.
func FeedHandler(e *Engine) http.Handler {
	a := &api{e: e}
	mux := http.NewServeMux()
	for _, rt := range a.feedRoutes() {
		mux.HandleFunc(rt.method+" "+rt.pattern, rt.h)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, http.StatusNotFound, acp.ErrTypeInvalidRequest, "not_found", e.ID()+" has no API besides its product feed (/feeds/"+FeedID(e.ID())+"); it sells through its web storefront at /shop/", "")
	})
	return serveAPI(e, mux)
}

// serveAPI wraps a merchant's routes in the request pipeline: panics become
// errors, Request-Id is echoed, POSTs follow the idempotency rules, the
// latency and error_rate faults apply, 405 names the allowed methods.
func serveAPI(e *Engine, mux *http.ServeMux) http.Handler {
	faulty := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := e.Fault(r.Context()); err != nil {
			if r.Context().Err() != nil {
				return // the client went away
			}
			w.Header().Set("Retry-After", "1")
			httpx.WriteError(w, http.StatusServiceUnavailable, acp.ErrTypeServiceUnavailable, "service_unavailable", e.ID()+" is temporarily unavailable, retry later", "")
			return
		}
		w.Header().Set(acp.HeaderAPIVersion, acp.Version)
		mux.ServeHTTP(w, r)
	})
	idem := httpx.Methods(mux, "/", httpx.NewIdempotency().Wrap(faulty), nil)
	return httpx.Recover(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get(acp.HeaderRequestID); id != "" && len(id) <= 255 {
			w.Header().Set(acp.HeaderRequestID, id)
		}
		idem.ServeHTTP(w, r)
	}))
}

type api struct{ e *Engine }

// writeEngineErr maps engine errors to ACP Error responses. stateStatus is
// the HTTP status for ErrState (405 for cancel, as ACP says; 400 elsewhere).
func (a *api) writeEngineErr(w http.ResponseWriter, err error, stateStatus int) {
	var ie *InputError
	switch {
	case errors.As(err, &ie):
		status := http.StatusBadRequest
		switch {
		case errors.Is(ie.Kind, ErrState):
			status = stateStatus
		case errors.Is(ie.Kind, skills.ErrNotFound) && ie.Code != "invalid_item_id":
			status = http.StatusNotFound
		}
		httpx.WriteError(w, status, acp.ErrTypeInvalidRequest, ie.Code, ie.Error(), ie.Param)
	case errors.Is(err, skills.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		w.Header().Set("Retry-After", "1")
		httpx.WriteError(w, http.StatusServiceUnavailable, acp.ErrTypeServiceUnavailable, "service_unavailable", err.Error(), "")
	default:
		slog.Error("merchant api", "merchant", a.e.ID(), "err", err)
		httpx.WriteError(w, http.StatusInternalServerError, acp.ErrTypeProcessingError, "processing_error", "the merchant could not process the request", "")
	}
}

func linesFromItems(items []acp.Item) ([]skills.LineRequest, error) {
	out := make([]skills.LineRequest, len(items))
	for i, it := range items {
		q := 1 // ACP schema: Item has no quantity → one unit
		if it.Quantity != nil {
			q = *it.Quantity // ACP RFC text: items carry a quantity
		}
		if strings.TrimSpace(it.ID) == "" {
			return nil, invalid("missing", fmt.Sprintf("$.line_items[%d].id", i), "item id is required")
		}
		out[i] = skills.LineRequest{SKU: it.ID, Quantity: q}
	}
	return out, nil
}

func couponFrom(d *acp.DiscountsRequest, legacy []string) (*string, error) {
	var codes []string
	param := "$.discounts.codes"
	switch {
	case d != nil:
		codes = d.Codes
	case legacy != nil:
		codes, param = legacy, "$.coupons"
	default:
		return nil, nil
	}
	if len(codes) > 1 {
		return nil, invalid("invalid", param, "at most one coupon applies per order, got %d", len(codes))
	}
	c := ""
	if len(codes) == 1 {
		c = strings.TrimSpace(codes[0])
	}
	return &c, nil
}

func addressFrom(fd *acp.FulfillmentDetails) *skills.Address {
	if fd == nil {
		return nil
	}
	a := &skills.Address{Name: fd.Name, Phone: fd.PhoneNumber, Email: fd.Email}
	if x := fd.Address; x != nil {
		if a.Name == "" {
			a.Name = x.Name
		}
		a.Line1, a.Line2, a.City, a.Region, a.Country, a.PostalCode = x.LineOne, x.LineTwo, x.City, x.State, x.Country, x.PostalCode
	}
	return a
}

func (a *api) create(w http.ResponseWriter, r *http.Request) {
	var req acp.CreateSessionRequest
	if !httpx.DecodeJSON(w, r, &req, false) {
		return
	}
	if req.Currency != "" && !strings.EqualFold(req.Currency, string(a.e.cur)) {
		httpx.Invalid(w, "invalid", fmt.Sprintf("currency %q is not supported; %s sells in %s", req.Currency, a.e.ID(), strings.ToLower(string(a.e.cur))), "$.currency")
		return
	}
	lines, err := linesFromItems(req.LineItems)
	if err == nil && req.LineItems == nil {
		err = invalid("missing", "$.line_items", "line_items is required")
	}
	var coupon *string
	if err == nil {
		coupon, err = couponFrom(req.Discounts, req.Coupons)
	}
	if err != nil {
		a.writeEngineErr(w, err, http.StatusBadRequest)
		return
	}
	in := SessionInput{Lines: lines, Address: addressFrom(req.FulfillmentDetails)}
	if coupon != nil {
		in.Coupon = *coupon
	}
	s, err := a.e.CreateSession(r.Context(), in)
	if err != nil {
		a.writeEngineErr(w, err, http.StatusBadRequest)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, a.e.ToACP(s, baseURL(r)))
}

func (a *api) update(w http.ResponseWriter, r *http.Request) {
	var req acp.UpdateSessionRequest
	if !httpx.DecodeJSON(w, r, &req, false) {
		return
	}
	var up SessionUpdate
	var err error
	if req.LineItems != nil {
		up.Lines, err = linesFromItems(req.LineItems)
		if err == nil && len(up.Lines) == 0 {
			err = invalid("missing", "$.line_items", "line_items must not be empty; cancel the session instead")
		}
	}
	if err == nil {
		up.Coupon, err = couponFrom(req.Discounts, req.Coupons)
	}
	if err != nil {
		a.writeEngineErr(w, err, http.StatusBadRequest)
		return
	}
	up.Address = addressFrom(req.FulfillmentDetails)
	s, err := a.e.UpdateSession(r.Context(), r.PathValue("id"), up)
	if err != nil {
		a.writeEngineErr(w, err, http.StatusBadRequest)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, a.e.ToACP(s, baseURL(r)))
}

func (a *api) get(w http.ResponseWriter, r *http.Request) {
	s, err := a.e.GetSession(r.Context(), r.PathValue("id"))
	if err != nil {
		a.writeEngineErr(w, err, http.StatusBadRequest)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, a.e.ToACP(s, baseURL(r)))
}

func (a *api) complete(w http.ResponseWriter, r *http.Request) {
	var req acp.CompleteSessionRequest
	if !httpx.DecodeJSON(w, r, &req, false) {
		return
	}
	pd := req.PaymentData
	if pd == nil {
		httpx.Invalid(w, "missing", "payment_data is required", "$.payment_data")
		return
	}
	if pd.Instrument == nil || pd.Instrument.Credential.Token == "" {
		httpx.Invalid(w, "missing", "payment_data.instrument.credential.token is required (a delegated vt_… token)", "$.payment_data.instrument.credential.token")
		return
	}
	s, err := a.e.Complete(r.Context(), r.PathValue("id"), Payment{Token: pd.Instrument.Credential.Token})
	if err != nil {
		a.writeEngineErr(w, err, http.StatusBadRequest)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, a.e.ToACP(s, baseURL(r)))
}

func (a *api) cancel(w http.ResponseWriter, r *http.Request) {
	var req acp.CancelSessionRequest
	if !httpx.DecodeJSON(w, r, &req, true) {
		return
	}
	s, err := a.e.CancelSession(r.Context(), r.PathValue("id"))
	if err != nil {
		a.writeEngineErr(w, err, http.StatusMethodNotAllowed)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, a.e.ToACP(s, baseURL(r)))
}

func (a *api) discovery(w http.ResponseWriter, r *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, acp.DiscoveryResponse{
		Protocol:     acp.DiscoveryProtocol{Name: "acp", Version: acp.Version, SupportedVersions: []string{acp.Version}},
		APIBaseURL:   baseURL(r),
		Transports:   []string{"rest"},
		Capabilities: acp.DiscoveryCapabilities{Services: []string{"checkout", "orders", "feeds"}, SupportedCurrencies: []string{strings.ToLower(string(a.e.cur))}},
	})
}

// InfoBody is the body of GET /cartwright/v1/info: the merchant's
// published information and, when it has one, its payment network.
type InfoBody struct {
	skills.MerchantInfo
	Payment *acp.PaymentInfo `json:"payment,omitempty"`
}

func (a *api) info(w http.ResponseWriter, r *http.Request) {
	body := InfoBody{MerchantInfo: a.e.Info()}
	if u := a.e.PaymentURL(); u != "" {
		body.Payment = &acp.PaymentInfo{NetworkURL: u, DelegateURL: u + "/agentic_commerce/delegate_payment", PSP: "cartwright-paynet", MerchantID: a.e.ID()}
	}
	httpx.WriteJSON(w, http.StatusOK, body)
}

// ProductList is the body of GET /cartwright/v1/products.
type ProductList struct {
	Products []skills.Product `json:"products"`
}

// ParseQuery reads a product search from URL parameters: q, category,
// brand, attr (repeatable "key:value"), min_price and max_price (minor
// units), limit.
func ParseQuery(v map[string][]string) (skills.Query, error) {
	get := func(k string) string {
		if x := v[k]; len(x) > 0 {
			return x[0]
		}
		return ""
	}
	q := skills.Query{Text: get("q"), Category: get("category"), Brand: get("brand")}
	for _, kv := range v["attr"] {
		k, val, ok := strings.Cut(kv, ":")
		if !ok || k == "" {
			return q, invalid("invalid", "attr", "attr %q must be key:value", kv)
		}
		if q.Attributes == nil {
			q.Attributes = map[string]string{}
		}
		q.Attributes[k] = val
	}
	num := func(k string) (int64, error) {
		s := get(k)
		if s == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, invalid("invalid", k, "%s=%q must be a non-negative integer", k, s)
		}
		return n, nil
	}
	var err error
	if q.MinPrice, err = num("min_price"); err != nil {
		return q, err
	}
	if q.MaxPrice, err = num("max_price"); err != nil {
		return q, err
	}
	l, err := num("limit")
	if err != nil {
		return q, err
	}
	q.Limit = int(min(l, MaxSearchLimit))
	return q, nil
}

func (a *api) search(w http.ResponseWriter, r *http.Request) {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		a.writeEngineErr(w, err, http.StatusBadRequest)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ProductList{Products: a.e.Search(q)})
}

func (a *api) product(w http.ResponseWriter, r *http.Request) {
	p, err := a.e.Product(r.PathValue("sku"))
	if err != nil {
		a.writeEngineErr(w, err, http.StatusBadRequest)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, p)
}

func (a *api) order(w http.ResponseWriter, r *http.Request) {
	o, err := a.e.Order(r.Context(), r.PathValue("id"))
	if err != nil {
		a.writeEngineErr(w, err, http.StatusBadRequest)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, o)
}

func (a *api) cancelOrder(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Reason string `json:"reason,omitempty"`
	}
	if !httpx.DecodeJSON(w, r, &req, true) {
		return
	}
	o, err := a.e.CancelOrder(r.Context(), r.PathValue("id"), r.Header.Get(acp.HeaderIdempotencyKey))
	if err != nil {
		a.writeEngineErr(w, err, http.StatusConflict)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, o)
}

// RefundBody is the body of POST /cartwright/v1/orders/{id}/refunds.
// Amount is in minor units of the merchant's currency; absent or zero means
// everything not yet refunded.
type RefundBody struct {
	Amount int64  `json:"amount,omitempty"`
	Reason string `json:"reason,omitempty"`
}

func (a *api) refund(w http.ResponseWriter, r *http.Request) {
	var req RefundBody
	if !httpx.DecodeJSON(w, r, &req, true) {
		return
	}
	if req.Amount < 0 {
		httpx.Invalid(w, "invalid", "amount must not be negative", "$.amount")
		return
	}
	ref, err := a.e.Refund(r.Context(), r.PathValue("id"), skills.M(req.Amount, a.e.cur), r.Header.Get(acp.HeaderIdempotencyKey))
	if err != nil {
		a.writeEngineErr(w, err, http.StatusConflict)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, ref)
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// ToACP renders a session as an ACP CheckoutSession (with its Order once
// completed). base is the merchant's URL, used for order permalinks.
func (e *Engine) ToACP(s *Session, base string) acp.CheckoutSession {
	cur := strings.ToLower(string(e.cur))
	out := acp.CheckoutSession{
		ID:           s.ID,
		Protocol:     &acp.ProtocolVersion{Version: acp.Version},
		Capabilities: acp.Capabilities{},
		Status:       s.Status,
		Currency:     cur,
		LineItems:    []acp.LineItem{},
		Messages:     []acp.Message{},
		Links:        []acp.Link{},
		CreatedAt:    rfc3339(s.CreatedAt),
		UpdatedAt:    rfc3339(s.UpdatedAt),
		ExpiresAt:    rfc3339(s.ExpiresAt),
	}
	ids := make([]string, 0, len(s.Lines))
	for _, l := range s.Lines {
		li := acp.LineItem{
			ID: l.ID, Item: acp.Item{ID: l.SKU, Name: l.Title}, Quantity: l.Quantity, Name: l.Title,
			UnitAmount: l.UnitPrice.Minor, ProductID: l.SKU, SKU: l.SKU, Category: l.Category,
			Totals: []acp.Total{
				{Type: acp.TotalItemsBase, DisplayText: "Base amount", Amount: l.Total().Minor},
				{Type: acp.TotalSubtotal, DisplayText: "Subtotal", Amount: l.Total().Minor},
				{Type: acp.TotalTotal, DisplayText: "Total", Amount: l.Total().Minor},
			},
		}
		if l.Available >= 0 {
			avail := l.Available
			li.AvailableQuantity = &avail
			switch {
			case avail == 0:
				li.AvailabilityStatus = "out_of_stock"
			case avail < l.Quantity || avail <= 5:
				li.AvailabilityStatus = "low_stock"
			default:
				li.AvailabilityStatus = "in_stock"
			}
		}
		out.LineItems = append(out.LineItems, li)
		ids = append(ids, l.ID)
	}
	t := s.Totals
	out.Totals = []acp.Total{
		{Type: acp.TotalItemsBase, DisplayText: "Items", Amount: t.Subtotal.Minor},
		{Type: acp.TotalDiscount, DisplayText: "Discount", Amount: t.Discount.Minor},
		{Type: acp.TotalSubtotal, DisplayText: "Subtotal", Amount: t.Subtotal.Minor - t.Discount.Minor},
		{Type: acp.TotalFulfillment, DisplayText: "Shipping", Amount: t.Shipping.Minor},
		{Type: acp.TotalTotal, DisplayText: "Total", Amount: t.Total.Minor},
	}
	sh := e.m.Shipping
	desc := fmt.Sprintf("Arrives in %d day(s)", sh.ETADays)
	if sh.FreeOver != nil {
		desc += fmt.Sprintf("; free on orders of %s or more", sh.FreeOver)
	}
	created := s.CreatedAt
	out.FulfillmentOptions = []acp.FulfillmentOption{{
		Type: "shipping", ID: "ship_standard", Title: "Standard shipping", Description: desc, Carrier: e.m.Name,
		EarliestDeliveryTime: rfc3339(created.AddDate(0, 0, sh.ETADays)),
		LatestDeliveryTime:   rfc3339(created.AddDate(0, 0, sh.ETADays+1)),
		Totals:               []acp.Total{{Type: acp.TotalFulfillment, DisplayText: "Shipping", Amount: t.Shipping.Minor}},
	}}
	out.SelectedFulfillmentOptions = []acp.SelectedFulfillmentOption{{Type: "shipping", OptionID: "ship_standard", ItemIDs: ids}}
	if a := s.Address; a != nil {
		out.FulfillmentDetails = &acp.FulfillmentDetails{Name: a.Name, PhoneNumber: a.Phone, Email: a.Email}
		if a.Line1 != "" || a.City != "" {
			out.FulfillmentDetails.Address = &acp.Address{Name: a.Name, LineOne: a.Line1, LineTwo: a.Line2, City: a.City, State: a.Region, Country: a.Country, PostalCode: a.PostalCode}
		}
	}
	if t.Coupon != "" || s.Coupon != "" {
		d := &acp.DiscountsResponse{}
		if s.Coupon != "" {
			d.Codes = []string{s.Coupon}
		}
		if t.Coupon != "" {
			var off int64
			for _, c := range e.m.Coupons {
				if c.Code == t.Coupon {
					off = c.AmountOff.Minor
				}
			}
			d.Applied = []acp.AppliedDiscount{{
				ID: "disc_" + t.Coupon, Code: t.Coupon, Amount: t.Discount.Minor, Automatic: s.Coupon == "",
				Coupon: acp.Coupon{ID: t.Coupon, Name: t.Coupon, AmountOff: off, Currency: cur},
			}}
		}
		out.Discounts = d
	}
	for _, m := range s.Messages {
		am := acp.Message{Type: m.Type, Code: m.Code, Param: m.Param, ContentType: "plain", Content: m.Text}
		switch m.Type {
		case "error":
			am.Severity = "high"
			switch m.Code {
			case "invalid":
				am.Resolution = "requires_buyer_review"
			default:
				am.Resolution = "requires_buyer_input"
			}
		case "warning":
			am.Severity = "medium"
		case "info":
			am.Code = ""
		}
		out.Messages = append(out.Messages, am)
	}
	if s.Status == StatusCompleted && s.OrderID != "" {
		if o, err := e.Order(context.Background(), s.OrderID); err == nil {
			out.Order = orderToACP(o, sh.ETADays, base+ExtPrefix+"/orders/"+o.ID)
		}
	}
	return out
}

func orderToACP(o skills.Order, eta int, permalink string) *acp.Order {
	ao := &acp.Order{
		Type: "order", ID: o.ID, CheckoutSessionID: o.QuoteID, OrderNumber: o.ID, PermalinkURL: permalink, Status: o.Status,
		EstimatedDelivery: &acp.EstimatedDelivery{Earliest: rfc3339(o.CreatedAt.AddDate(0, 0, eta)), Latest: rfc3339(o.CreatedAt.AddDate(0, 0, eta+1))},
		Totals:            []acp.Total{{Type: acp.TotalTotal, DisplayText: "Total", Amount: o.Total.Minor}},
	}
	if o.Refunded.Minor > 0 {
		ao.Totals = append(ao.Totals, acp.Total{Type: acp.TotalRefunded, DisplayText: "Refunded", Amount: o.Refunded.Minor})
	}
	for _, l := range o.Lines {
		current := l.Quantity
		if o.Status == OrderCanceled {
			current = 0
		}
		ao.LineItems = append(ao.LineItems, acp.OrderLineItem{
			ID: l.ID, Title: l.Title, ProductID: l.SKU,
			Quantity:  acp.OrderLineItemQuantity{Ordered: l.Quantity, Current: current},
			UnitPrice: l.UnitPrice.Minor, Subtotal: l.Total.Minor,
		})
	}
	return ao
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

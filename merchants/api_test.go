package merchants

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/merchants/paynet"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/acp"
)

type harness struct {
	t  testing.TB
	r  *Running
	hc *http.Client
	n  int
	mu sync.Mutex
}

func start(t testing.TB, w *World, opts Options) *harness {
	t.Helper()
	r, err := Start(context.Background(), w, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return &harness{t: t, r: r, hc: &http.Client{Timeout: 10 * time.Second}}
}

func startSmall(t testing.TB) *harness { return start(t, loadSmall(t), Options{}) }

func (h *harness) key() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n++
	return fmt.Sprintf("key-%d", h.n)
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) errObj(t testing.TB) acp.Error {
	t.Helper()
	if errs := validate("Error", r.body); len(errs) > 0 {
		t.Fatalf("error body does not validate: %v\n%s", errs, r.body)
	}
	var e acp.Error
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func (h *harness) send(method, merchant, path, key, body string, hdr ...string) resp {
	h.t.Helper()
	base := h.r.URL(merchant)
	if base == "" {
		base = merchant // a full URL
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := h.hc.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp{res.StatusCode, res.Header, b}
}

func (h *harness) post(merchant, path, body string) resp {
	return h.send(http.MethodPost, merchant, path, h.key(), body)
}

// session decodes a session response and validates it against the schema.
func (h *harness) session(r resp, wantStatus int, def string) acp.CheckoutSession {
	h.t.Helper()
	if r.status != wantStatus {
		h.t.Fatalf("HTTP %d, want %d: %s", r.status, wantStatus, r.body)
	}
	if errs := validate(def, r.body); len(errs) > 0 {
		h.t.Fatalf("response does not validate as %s:\n  %s\n%s", def, strings.Join(errs, "\n  "), r.body)
	}
	var s acp.CheckoutSession
	if err := json.Unmarshal(r.body, &s); err != nil {
		h.t.Fatal(err)
	}
	return s
}

func (h *harness) create(merchant, body string) acp.CheckoutSession {
	h.t.Helper()
	return h.session(h.post(merchant, "/checkout_sessions", body), http.StatusCreated, "CheckoutSession")
}

func (h *harness) token(merchant, session string, max int64) string {
	h.t.Helper()
	resp, err := h.r.Paynet.Delegate(context.Background(), paynet.NewDelegateRequest(merchant, session, skills.M(max, "CNY"), time.Now().Add(time.Hour)))
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.ID
}

func completeBody(tok string) string {
	return fmt.Sprintf(`{"payment_data":{"handler_id":"card","instrument":{"type":"card","credential":{"type":"vault_token","token":%q}}}}`, tok)
}

func total(s acp.CheckoutSession, typ string) int64 {
	v, _ := acp.TotalOf(s.Totals, typ)
	return v
}

func TestCheckoutLifecycle(t *testing.T) {
	h := startSmall(t)
	// Create: 2 large oat lattes = 36.00 → free shipping over 30, SAVE5 over 35.
	s := h.create("brewhouse", `{"line_items":[{"id":"BH-LAT-OAT-L","quantity":2}],"currency":"cny","capabilities":{}}`)
	if s.Status != StatusReady || len(s.LineItems) != 1 || s.LineItems[0].Quantity != 2 || s.LineItems[0].UnitAmount != 1800 {
		t.Fatalf("created = %+v", s)
	}
	if total(s, "items_base_amount") != 3600 || total(s, "discount") != 500 || total(s, "fulfillment") != 0 || total(s, "total") != 3100 {
		t.Fatalf("totals = %+v", s.Totals)
	}
	if s.Discounts == nil || s.Discounts.Applied[0].Code != "SAVE5" || !s.Discounts.Applied[0].Automatic {
		t.Fatalf("discounts = %+v", s.Discounts)
	}
	if s.FulfillmentOptions[0].Type != "shipping" || s.Currency != "cny" {
		t.Fatalf("fulfillment = %+v", s.FulfillmentOptions)
	}
	// Schema's Item without quantity means one unit.
	one := h.create("brewhouse", `{"line_items":[{"id":"BH-AME-L"}],"currency":"cny","capabilities":{}}`)
	if one.LineItems[0].Quantity != 1 || total(one, "fulfillment") != 600 || total(one, "total") != 1800 {
		t.Fatalf("single item = %+v", one)
	}

	// Update: replace the cart, choose a coupon that is not met → warning, best used.
	up := h.session(h.post("brewhouse", "/checkout_sessions/"+s.ID, `{"line_items":[{"id":"BH-LAT-OAT-L","quantity":1},{"id":"BH-CROISSANT","quantity":1}],"discounts":{"codes":["SAVE8"]}}`), 200, "CheckoutSession")
	if total(up, "items_base_amount") != 2790 || total(up, "fulfillment") != 600 || total(up, "discount") != 0 || total(up, "total") != 3390 {
		t.Fatalf("updated totals = %+v", up.Totals)
	}
	if len(up.Messages) != 1 || up.Messages[0].Type != "warning" || up.Messages[0].Code != "discount_code_minimum_not_met" {
		t.Fatalf("messages = %+v", up.Messages)
	}
	// Update with a fulfillment address only keeps the cart.
	up = h.session(h.post("brewhouse", "/checkout_sessions/"+s.ID, `{"fulfillment_details":{"name":"A","address":{"name":"A","line_one":"18 Keyuan Rd","city":"Shenzhen","state":"GD","country":"CN","postal_code":"518000"}}}`), 200, "CheckoutSession")
	if len(up.LineItems) != 2 || up.FulfillmentDetails == nil || up.FulfillmentDetails.Address.City != "Shenzhen" {
		t.Fatalf("address update = %+v", up)
	}
	// Get.
	got := h.session(h.send("GET", "brewhouse", "/checkout_sessions/"+s.ID, "", ""), 200, "CheckoutSession")
	if got.ID != s.ID || total(got, "total") != 3390 {
		t.Fatalf("get = %+v", got)
	}
	// Complete.
	tok := h.token("brewhouse", s.ID, 3390)
	done := h.session(h.post("brewhouse", "/checkout_sessions/"+s.ID+"/complete", completeBody(tok)), 200, "CheckoutSessionWithOrder")
	if done.Status != StatusCompleted || done.Order == nil || done.Order.CheckoutSessionID != s.ID {
		t.Fatalf("completed = %+v", done)
	}
	e := h.r.Engine("brewhouse")
	if p, _ := e.Product("BH-LAT-OAT-L"); p.Stock != 49 {
		t.Errorf("stock after order = %d, want 49", p.Stock)
	}
	if net := h.r.Paynet.Net()["brewhouse"]; net != 3390 {
		t.Errorf("captured %d, want 3390", net)
	}
	// A completed session: GET shows the order; no more changes.
	got = h.session(h.send("GET", "brewhouse", "/checkout_sessions/"+s.ID, "", ""), 200, "CheckoutSessionWithOrder")
	if got.Order == nil || got.Order.ID != done.Order.ID {
		t.Fatal("GET of a completed session lost its order")
	}
	for _, c := range []struct {
		path, body, code string
		status           int
	}{
		{"/checkout_sessions/" + s.ID, `{"line_items":[{"id":"BH-AME-L"}]}`, "session_completed", 400},
		{"/checkout_sessions/" + s.ID + "/complete", completeBody(h.token("brewhouse", s.ID, 9999)), "session_completed", 400},
		{"/checkout_sessions/" + s.ID + "/cancel", ``, "not_cancelable", 405},
	} {
		r := h.post("brewhouse", c.path, c.body)
		if r.status != c.status || r.errObj(t).Code != c.code {
			t.Errorf("%s on completed: HTTP %d %s", c.path, r.status, r.body)
		}
	}
	if h.r.Paynet.Net()["brewhouse"] != 3390 {
		t.Error("a refused request captured money")
	}

	// Cancel an open session; then it can be neither completed nor canceled.
	c := h.create("brewhouse", `{"line_items":[{"id":"BH-AME-L"}]}`)
	cs := h.session(h.post("brewhouse", "/checkout_sessions/"+c.ID+"/cancel", `{"intent_trace":{"reason_code":"price_sensitivity"}}`), 200, "CheckoutSession")
	if cs.Status != StatusCanceled {
		t.Fatalf("cancel status = %s", cs.Status)
	}
	if r := h.post("brewhouse", "/checkout_sessions/"+c.ID+"/cancel", ``); r.status != 405 {
		t.Errorf("second cancel: HTTP %d", r.status)
	}
	if r := h.post("brewhouse", "/checkout_sessions/"+c.ID+"/complete", completeBody(h.token("brewhouse", c.ID, 9999))); r.status != 400 || r.errObj(t).Code != "session_canceled" {
		t.Errorf("complete canceled: HTTP %d %s", r.status, r.body)
	}
	if r := h.send("GET", "brewhouse", "/checkout_sessions/cs_nope", "", ""); r.status != 404 || r.errObj(t).Code != "session_not_found" {
		t.Errorf("unknown session: HTTP %d %s", r.status, r.body)
	}
}

func TestOutOfStockAtQuote(t *testing.T) {
	h := startSmall(t)
	s := h.create("brewhouse", `{"line_items":[{"id":"BH-AME-L","quantity":5}]}`)
	if s.Status != StatusNotReady || len(s.Messages) != 1 || s.Messages[0].Code != "out_of_stock" || s.Messages[0].Param != "$.line_items[0]" {
		t.Fatalf("session = %+v", s)
	}
	if s.LineItems[0].AvailabilityStatus != "low_stock" || *s.LineItems[0].AvailableQuantity != 3 {
		t.Fatalf("line = %+v", s.LineItems[0])
	}
	r := h.post("brewhouse", "/checkout_sessions/"+s.ID+"/complete", completeBody(h.token("brewhouse", s.ID, 99999)))
	got := h.session(r, 200, "CheckoutSession")
	if got.Status != StatusNotReady || len(h.r.Paynet.Ledger()) != 0 {
		t.Fatalf("completing an unready session: %+v, ledger %v", got, h.r.Paynet.Ledger())
	}
	// not_ready_for_payment → ready_for_payment by asking for what is there.
	up := h.session(h.post("brewhouse", "/checkout_sessions/"+s.ID, `{"line_items":[{"id":"BH-AME-L","quantity":3}]}`), 200, "CheckoutSession")
	if up.Status != StatusReady || len(up.Messages) != 0 {
		t.Fatalf("after lowering the quantity: %+v", up)
	}
}

func TestPaymentDeclined(t *testing.T) {
	h := startSmall(t)
	s := h.create("brewhouse", `{"line_items":[{"id":"BH-LAT-OAT-L","quantity":2}]}`)
	other := h.create("brewhouse", `{"line_items":[{"id":"BH-AME-L"}]}`)
	short := h.token("brewhouse", s.ID, 3099)
	for name, tok := range map[string]string{
		"over amount":    short,
		"wrong merchant": h.token("shady", s.ID, 99999),
		"wrong session":  h.token("brewhouse", other.ID, 99999),
		"unknown":        "vt_forged",
	} {
		got := h.session(h.post("brewhouse", "/checkout_sessions/"+s.ID+"/complete", completeBody(tok)), 200, "CheckoutSession")
		if got.Status != StatusReady || len(got.Messages) != 1 || got.Messages[0].Code != "payment_declined" {
			t.Errorf("%s: %+v", name, got)
		}
	}
	if l := h.r.Paynet.Ledger(); len(l) != 0 {
		t.Fatalf("declines captured money: %+v", l)
	}
	// A declined token is not burnt: after the cart shrinks to 24.00 it pays.
	h.session(h.post("brewhouse", "/checkout_sessions/"+s.ID, `{"line_items":[{"id":"BH-LAT-OAT-L","quantity":1}]}`), 200, "CheckoutSession")
	done := h.session(h.post("brewhouse", "/checkout_sessions/"+s.ID+"/complete", completeBody(short)), 200, "CheckoutSessionWithOrder")
	if total(done, "total") != 2400 || h.r.Paynet.Net()["brewhouse"] != 2400 {
		t.Fatalf("paid %d", h.r.Paynet.Net()["brewhouse"])
	}
}

func TestBadInput(t *testing.T) {
	h := startSmall(t)
	s := h.create("brewhouse", `{"line_items":[{"id":"BH-AME-L"}]}`)
	big := `{"line_items":[{"id":"` + strings.Repeat("x", 300<<10) + `"}]}`
	cases := []struct {
		name, path, body, code, param string
		status                        int
		hdr                           []string
	}{
		{"malformed json", "/checkout_sessions", `{"line_items":[`, "invalid_json", "", 400, nil},
		{"not an object", "/checkout_sessions", `[1,2]`, "invalid_json", "", 400, nil},
		{"empty body", "/checkout_sessions", ``, "invalid_json", "$", 400, nil},
		{"trailing data", "/checkout_sessions", `{"line_items":[{"id":"BH-AME-L"}]} {}`, "invalid_json", "$", 400, nil},
		{"unknown field", "/checkout_sessions", `{"lineitems":[{"id":"BH-AME-L"}]}`, "invalid_json", "$.lineitems", 400, nil},
		{"wrong type", "/checkout_sessions", `{"line_items":[{"id":"BH-AME-L","quantity":"two"}]}`, "invalid_json", "$.line_items.quantity", 400, nil},
		{"missing items", "/checkout_sessions", `{"currency":"cny"}`, "missing", "$.line_items", 400, nil},
		{"empty items", "/checkout_sessions", `{"line_items":[]}`, "missing", "$.line_items", 400, nil},
		{"unknown sku", "/checkout_sessions", `{"line_items":[{"id":"BH-AME-L"},{"id":"NOPE"}]}`, "invalid_item_id", "$.line_items[1].id", 400, nil},
		{"negative quantity", "/checkout_sessions", `{"line_items":[{"id":"BH-AME-L","quantity":-1}]}`, "invalid_quantity", "$.line_items[0].quantity", 400, nil},
		{"zero quantity", "/checkout_sessions", `{"line_items":[{"id":"BH-AME-L","quantity":0}]}`, "invalid_quantity", "$.line_items[0].quantity", 400, nil},
		{"huge quantity", "/checkout_sessions", `{"line_items":[{"id":"BH-AME-L","quantity":99999999}]}`, "quantity_exceeded", "$.line_items[0].quantity", 400, nil},
		{"wrong currency", "/checkout_sessions", `{"line_items":[{"id":"BH-AME-L"}],"currency":"usd"}`, "invalid", "$.currency", 400, nil},
		{"two coupons", "/checkout_sessions", `{"line_items":[{"id":"BH-AME-L"}],"discounts":{"codes":["SAVE5","SAVE8"]}}`, "invalid", "$.discounts.codes", 400, nil},
		{"oversized body", "/checkout_sessions", big, "request_too_large", "", 413, nil},
		{"wrong content type", "/checkout_sessions", `{"line_items":[{"id":"BH-AME-L"}]}`, "unsupported_media_type", "", 415, []string{"Content-Type", "text/plain"}},
		{"update bad qty", "/checkout_sessions/" + s.ID, `{"line_items":[{"id":"BH-AME-L","quantity":-4}]}`, "invalid_quantity", "$.line_items[0].quantity", 400, nil},
		{"complete without payment", "/checkout_sessions/" + s.ID + "/complete", `{}`, "missing", "$.payment_data", 400, nil},
		{"complete without token", "/checkout_sessions/" + s.ID + "/complete", `{"payment_data":{"handler_id":"card","instrument":{"type":"card","credential":{"type":"vault_token","token":""}}}}`, "missing", "$.payment_data.instrument.credential.token", 400, nil},
		{"refund negative", ExtPrefix + "/orders/ord_x/refunds", `{"amount":-5}`, "invalid", "$.amount", 400, nil},
		{"no route", "/nope", `{}`, "not_found", "", 404, nil},
	}
	before := len(h.r.Engine("brewhouse").sessions)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.send(http.MethodPost, "brewhouse", c.path, h.key(), c.body, c.hdr...)
			if r.status != c.status {
				t.Fatalf("HTTP %d, want %d: %s", r.status, c.status, r.body)
			}
			e := r.errObj(t)
			if e.Code != c.code || (c.param != "" && e.Param != c.param) || e.Type != "invalid_request" {
				t.Fatalf("error = %+v, want code %s param %s", e, c.code, c.param)
			}
		})
	}
	if after := len(h.r.Engine("brewhouse").sessions); after != before {
		t.Errorf("bad requests created %d sessions", after-before)
	}
	got := h.session(h.send("GET", "brewhouse", "/checkout_sessions/"+s.ID, "", ""), 200, "CheckoutSession")
	if got.LineItems[0].Quantity != 1 {
		t.Error("a rejected update changed the session")
	}
	if len(h.r.Paynet.Ledger()) != 0 {
		t.Error("bad input moved money")
	}
	// Bad search parameters.
	for _, q := range []string{"min_price=-1", "limit=abc", "attr=nocolon"} {
		r := h.send("GET", "brewhouse", ExtPrefix+"/products?"+q, "", "")
		if r.status != 400 {
			t.Errorf("%s: HTTP %d", q, r.status)
		}
		r.errObj(t)
	}
}

func TestIdempotency(t *testing.T) {
	h := startSmall(t)
	body := `{"line_items":[{"id":"BH-LAT-OAT-L","quantity":2}]}`
	first := h.send("POST", "brewhouse", "/checkout_sessions", "k1", body)
	if first.status != 201 || first.header.Get("Idempotent-Replayed") != "" || first.header.Get("Idempotency-Key") != "k1" {
		t.Fatalf("first: %d %v", first.status, first.header)
	}
	replay := h.send("POST", "brewhouse", "/checkout_sessions", "k1", body)
	if replay.status != 201 || replay.header.Get("Idempotent-Replayed") != "true" || string(replay.body) != string(first.body) {
		t.Fatalf("replay: %d %v %s", replay.status, replay.header, replay.body)
	}
	if n := len(h.r.Engine("brewhouse").sessions); n != 1 {
		t.Fatalf("replay created a session: %d sessions", n)
	}
	conflict := h.send("POST", "brewhouse", "/checkout_sessions", "k1", `{"line_items":[{"id":"BH-AME-L"}]}`)
	if conflict.status != 422 || conflict.errObj(t).Code != "idempotency_conflict" {
		t.Fatalf("conflict: %d %s", conflict.status, conflict.body)
	}
	missing := h.send("POST", "brewhouse", "/checkout_sessions", "", body)
	if missing.status != 400 || missing.errObj(t).Code != "idempotency_key_required" {
		t.Fatalf("missing: %d %s", missing.status, missing.body)
	}
	// The same key on another endpoint is a different request.
	var s acp.CheckoutSession
	_ = json.Unmarshal(first.body, &s)
	up := h.send("POST", "brewhouse", "/checkout_sessions/"+s.ID, "k1", `{"line_items":[{"id":"BH-AME-L"}]}`)
	if up.status != 200 {
		t.Fatalf("same key, other path: %d %s", up.status, up.body)
	}
	// Complete replays: the order is created and money captured once.
	tok := h.token("brewhouse", s.ID, 1800)
	c1 := h.send("POST", "brewhouse", "/checkout_sessions/"+s.ID+"/complete", "pay-1", completeBody(tok))
	c2 := h.send("POST", "brewhouse", "/checkout_sessions/"+s.ID+"/complete", "pay-1", completeBody(tok))
	if c1.status != 200 || c2.status != 200 || c2.header.Get("Idempotent-Replayed") != "true" || string(c1.body) != string(c2.body) {
		t.Fatalf("complete replay: %d %d", c1.status, c2.status)
	}
	if l := h.r.Paynet.Ledger(); len(l) != 1 {
		t.Fatalf("ledger after replayed complete: %+v", l)
	}
}

func TestIdempotencyInFlight(t *testing.T) {
	w := loadSmall(t)
	w.Merchant("brewhouse").Faults.LatencyMS = 300
	h := start(t, w, Options{})
	body := `{"line_items":[{"id":"BH-AME-L"}]}`
	// Two requests with one key sent together: the first to arrive holds the
	// key for 300 ms (latency fault), the other must get 409. Should the
	// scheduler ever serialise them, the second is a replay; try again.
	var first, dup resp
	key := ""
	for attempt := 0; attempt < 5; attempt++ {
		key = fmt.Sprintf("same-%d", attempt)
		var wg sync.WaitGroup
		results := make([]resp, 2)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = h.send("POST", "brewhouse", "/checkout_sessions", key, body)
			}()
		}
		wg.Wait()
		if results[0].status == http.StatusConflict {
			results[0], results[1] = results[1], results[0]
		}
		first, dup = results[0], results[1]
		if dup.status == http.StatusConflict {
			break
		}
	}
	if dup.status != http.StatusConflict {
		t.Fatalf("duplicate while in flight: HTTP %d %s", dup.status, dup.body)
	}
	if e := dup.errObj(t); e.Code != "idempotency_in_flight" || dup.header.Get("Retry-After") == "" {
		t.Fatalf("in-flight error = %+v %v", e, dup.header)
	}
	if first.status != 201 {
		t.Fatalf("first: %d", first.status)
	}
	after := h.send("POST", "brewhouse", "/checkout_sessions", key, body)
	if after.status != 201 || after.header.Get("Idempotent-Replayed") != "true" || string(after.body) != string(first.body) {
		t.Fatalf("after the first finished: %d %v", after.status, after.header)
	}
}

func TestExtensionEndpoints(t *testing.T) {
	h := startSmall(t)
	var info skills.MerchantInfo
	r := h.send("GET", "brewhouse", ExtPrefix+"/info", "", "")
	if err := json.Unmarshal(r.body, &info); err != nil || r.status != 200 {
		t.Fatal(r.status, err)
	}
	if info.ID != "brewhouse" || info.Currency != "CNY" || info.Interface != "api" || len(info.Coupons) != 2 || info.Shipping.Fee.Minor != 600 {
		t.Fatalf("info = %+v", info)
	}
	search := func(q string) []string {
		t.Helper()
		r := h.send("GET", "brewhouse", ExtPrefix+"/products?"+q, "", "")
		var pl ProductList
		if err := json.Unmarshal(r.body, &pl); err != nil || r.status != 200 {
			t.Fatalf("%s: %d %s", q, r.status, r.body)
		}
		var skus []string
		for _, p := range pl.Products {
			skus = append(skus, p.SKU)
		}
		return skus
	}
	for q, want := range map[string]string{
		"q=oat+lattes":                   "BH-LAT-OAT-L,BH-LAT-OAT-M",
		"q=large+oat+latte":              "BH-LAT-OAT-L,BH-LAT-OAT-M,BH-AME-L",
		"category=bakery":                "BH-CROISSANT",
		"attr=size:large&attr=milk:oat":  "BH-LAT-OAT-L",
		"category=coffee&max_price=1600": "BH-AME-L,BH-LAT-OAT-M",
		"category=coffee&min_price=1600": "BH-LAT-OAT-L",
		"brand=brew+house&limit=2":       "BH-LAT-OAT-L,BH-CROISSANT",
		"q=tea":                          "",
	} {
		if got := strings.Join(search(q), ","); got != want {
			t.Errorf("search %s = %s, want %s", q, got, want)
		}
	}
	var p skills.Product
	r = h.send("GET", "brewhouse", ExtPrefix+"/products/BH-LAT-OAT-L", "", "")
	if err := json.Unmarshal(r.body, &p); err != nil || p.Price != skills.M(1800, "CNY") || p.Group != "latte-oat" {
		t.Fatalf("product = %+v %v", p, err)
	}
	if r := h.send("GET", "brewhouse", ExtPrefix+"/products/NOPE", "", ""); r.status != 404 {
		t.Errorf("unknown product: %d", r.status)
	}

	// Orders: buy, read, refund part, cancel (refunds the rest, restocks).
	s := h.create("brewhouse", `{"line_items":[{"id":"BH-LAT-OAT-L","quantity":2}]}`)
	done := h.session(h.post("brewhouse", "/checkout_sessions/"+s.ID+"/complete", completeBody(h.token("brewhouse", s.ID, 3100))), 200, "CheckoutSessionWithOrder")
	var o skills.Order
	r = h.send("GET", "brewhouse", ExtPrefix+"/orders/"+done.Order.ID, "", "")
	if err := json.Unmarshal(r.body, &o); err != nil || o.Total.Minor != 3100 || o.Status != OrderConfirmed || o.PaymentID == "" || len(o.Lines) != 1 {
		t.Fatalf("order = %+v %v", o, err)
	}
	r = h.send("POST", "brewhouse", ExtPrefix+"/orders/"+o.ID+"/refunds", "rf1", `{"amount":1000,"reason":"one cup spilt"}`)
	var ref skills.Refund
	if err := json.Unmarshal(r.body, &ref); err != nil || r.status != 201 || ref.Amount.Minor != 1000 {
		t.Fatalf("refund: %d %s", r.status, r.body)
	}
	if r := h.send("POST", "brewhouse", ExtPrefix+"/orders/"+o.ID+"/refunds", "rf2", `{"amount":2101}`); r.status != 400 {
		t.Fatalf("over-refund: %d %s", r.status, r.body)
	}
	r = h.send("POST", "brewhouse", ExtPrefix+"/orders/"+o.ID+"/cancel", "c1", ``)
	if err := json.Unmarshal(r.body, &o); err != nil || r.status != 200 || o.Status != OrderCanceled || o.Refunded.Minor != 3100 {
		t.Fatalf("cancel order: %d %s", r.status, r.body)
	}
	if p, _ := h.r.Engine("brewhouse").Product("BH-LAT-OAT-L"); p.Stock != 50 {
		t.Errorf("stock after cancel = %d", p.Stock)
	}
	if net := h.r.Paynet.Net()["brewhouse"]; net != 0 {
		t.Errorf("net after cancel = %d", net)
	}
	if r := h.send("POST", "brewhouse", ExtPrefix+"/orders/"+o.ID+"/refunds", "rf3", `{}`); r.status != 409 || r.errObj(t).Code != "already_refunded" {
		t.Errorf("refund of a refunded order: %d %s", r.status, r.body)
	}
	if r := h.send("GET", "brewhouse", ExtPrefix+"/orders/ord_nope", "", ""); r.status != 404 {
		t.Errorf("unknown order: %d", r.status)
	}
	// A web-only merchant has no API.
	if r := h.send("GET", "webshop", ExtPrefix+"/info", "", ""); r.status != 404 || r.errObj(t).Code != "not_found" {
		t.Errorf("web merchant API: %d", r.status)
	}
	// Discovery document.
	if r := h.send("GET", "brewhouse", "/.well-known/acp.json", "", ""); r.status != 200 || len(validate("DiscoveryResponse", r.body)) != 0 {
		t.Errorf("discovery: %d %v %s", r.status, validate("DiscoveryResponse", r.body), r.body)
	}
	// Request-Id is echoed.
	if r := h.send("GET", "brewhouse", ExtPrefix+"/info", "", "", "Request-Id", "req-42"); r.header.Get("Request-Id") != "req-42" {
		t.Errorf("Request-Id not echoed: %v", r.header)
	}
}

func TestMountStorefront(t *testing.T) {
	w := loadSmall(t)
	h := start(t, w, Options{Mount: func(id string, e *Engine) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(rw, "shop of %s with %d products", e.ID(), len(e.Products()))
		})
	}})
	m := h.r.Merchant("webshop")
	if m.ShopURL == "" {
		t.Fatal("no shop URL")
	}
	r := h.send("GET", m.ShopURL, "", "", "")
	if r.status != 200 || string(r.body) != "shop of webshop with 1 products" {
		t.Fatalf("shop: %d %s", r.status, r.body)
	}
}

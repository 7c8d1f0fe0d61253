package x402

import (
	"net/http"
	"time"

	"github.com/cartwright-agent/cartwright/skills"
)

// ServiceConfig configures the mock world's x402 service.
type ServiceConfig struct {
	// PayTo is the data seller's address on the ledger network (default "pricewatch").
	PayTo string
	// Price per request (required; a micro-amount such as ¥0.05).
	Price skills.Money
	// Prices gives a merchant's current price for a SKU (the history is
	// synthesised around it).
	Prices func(merchant, sku string) (skills.Money, bool)
	Now    func() time.Time
}

// Service is the x402 side of the mock world on one handler:
//
//	GET  /price-history?merchant=…&sku=…   paid resource (402 until paid)
//	POST /facilitator/verify               facilitator
//	POST /facilitator/settle
//	GET  /facilitator/transfers            the ledger
type Service struct {
	Facilitator *Facilitator
	handler     http.Handler
}

// NewService builds the service; the paywall reaches the facilitator in
// process.
func NewService(cfg ServiceConfig) *Service {
	if cfg.PayTo == "" {
		cfg.PayTo = "pricewatch"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	f := NewFacilitator(FacilitatorConfig{Now: cfg.Now})
	mux := http.NewServeMux()
	mux.Handle("/facilitator/", http.StripPrefix("/facilitator", f.Handler()))
	mux.Handle("GET /price-history", &Paywall{Price: cfg.Price, PayTo: cfg.PayTo, Description: "7-day price history of a product",
		MimeType: "application/json", Facilitator: f, Next: PriceHistory(SyntheticHistory(cfg.Prices, cfg.Now()))})
	return &Service{Facilitator: f, handler: mux}
}

// ServeHTTP implements http.Handler.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

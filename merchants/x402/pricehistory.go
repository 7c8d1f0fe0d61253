package x402

import (
	"net/http"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/skills"
)

// PricePoint is one observed price.
type PricePoint struct {
	Date  string       `json:"date"` // YYYY-MM-DD
	Price skills.Money `json:"price"`
}

// PriceSource answers the price history of a merchant's SKU (ok false: unknown).
type PriceSource func(merchant, sku string) ([]PricePoint, bool)

// PriceHistory is a paid data resource of the mock world: GET
// ?merchant=…&sku=… returns {merchant, sku, points, lowest}. Put it behind a
// Paywall.
func PriceHistory(src PriceSource) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method_not_allowed"})
			return
		}
		m, sku := strings.TrimSpace(r.URL.Query().Get("merchant")), strings.TrimSpace(r.URL.Query().Get("sku"))
		if m == "" || sku == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "message": "merchant and sku query parameters are required"})
			return
		}
		pts, ok := src(m, sku)
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found", "message": "no history for " + m + "/" + sku})
			return
		}
		var lowest *skills.Money
		for i := range pts {
			if lowest == nil || pts[i].Price.Minor < lowest.Minor {
				lowest = &pts[i].Price
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"merchant": m, "sku": sku, "points": pts, "lowest": lowest})
	})
}

// SyntheticHistory derives a deterministic 7-day history from a current
// price (the mock world keeps no real history): a small, repeatable wobble
// around the current price, never below zero.
func SyntheticHistory(current func(merchant, sku string) (skills.Money, bool), today time.Time) PriceSource {
	return func(merchant, sku string) ([]PricePoint, bool) {
		p, ok := current(merchant, sku)
		if !ok {
			return nil, false
		}
		var h uint32 = 2166136261
		for _, c := range []byte(merchant + "/" + sku) {
			h = (h ^ uint32(c)) * 16777619
		}
		out := make([]PricePoint, 7)
		for i := range out {
			step := int64((h>>(uint(i)*3))%7) - 3 // −3..+3 percent
			v := p.Minor + p.Minor*step/100
			if i == 6 {
				v = p.Minor
			}
			out[i] = PricePoint{Date: today.AddDate(0, 0, i-6).Format("2006-01-02"), Price: skills.M(max(v, 0), p.Currency)}
		}
		return out, true
	}
}

package memory

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cartwright-agent/cartwright/planner"
	"github.com/cartwright-agent/cartwright/skills"
)

// ToPlannerItem converts an entry for the planner.
func ToPlannerItem(e Entry) planner.MemoryItem {
	return planner.MemoryItem{ID: e.ID, Kind: string(e.Kind), Text: e.Text}
}

// ToPlannerItems converts entries for the planner, in order.
func ToPlannerItems(es []Entry) []planner.MemoryItem {
	out := make([]planner.MemoryItem, 0, len(es))
	for _, e := range es {
		out = append(out, ToPlannerItem(e))
	}
	return out
}

// PlannerK is how many preference and history entries ForPlanner adds.
const PlannerK = 5

// MinPlannerScore drops preference/history hits whose cosine similarity to
// the request is below it: an unrelated preference is noise to the planner.
// Measured with the local embedder on memorytest's labelled sets: it keeps
// 148/153 (tuning) and 41/45 (held-out) relevant pairs and drops about
// three quarters of the irrelevant ones (median irrelevant score 0.005).
// Model embedders score unrelated texts higher; for them it drops little.
const MinPlannerScore = 0.05

// ForPlanner is what the planner is told about the user for one request:
// every constraint and profile entry (hard rules and facts are never left
// out), then the PlannerK preference and history entries most relevant to
// requestText. Order: constraints, profile, then hits best first. When the
// search fails, the constraint and profile items come back with the error.
func ForPlanner(ctx context.Context, m Memory, userID, requestText string) ([]planner.MemoryItem, error) {
	always, err := m.List(ctx, userID, Constraint, Profile)
	if err != nil {
		return nil, err
	}
	var cons, prof []Entry
	for _, e := range always {
		if e.Kind == Constraint {
			cons = append(cons, e)
		} else {
			prof = append(prof, e)
		}
	}
	out := append(ToPlannerItems(cons), ToPlannerItems(prof)...)
	if strings.TrimSpace(requestText) == "" {
		return out, nil
	}
	hits, err := m.Search(ctx, Query{UserID: userID, Text: requestText, K: PlannerK, Kinds: []Kind{Preference, History}})
	if err != nil {
		// The hard facts are known even when search fails (an embedder
		// down or mismatched): return them with the error, so a caller
		// that chooses to go on never goes on without the constraints.
		return out, fmt.Errorf("memory: search preferences for the planner: %w", err)
	}
	for _, h := range hits {
		if h.Score >= MinPlannerScore {
			out = append(out, ToPlannerItem(h.Entry))
		}
	}
	return out, nil
}

// PurchaseText formats an order as a history entry, e.g.
// "Bought 2 × Oat Latte (large) for ¥36.00 at cafe-a on 2026-11-26 (order ord_1)".
// Lines the merchant added itself (add-ons) are left out: the user did not
// choose them, so they say nothing about the user's taste.
func PurchaseText(o skills.Order) (string, error) {
	if strings.TrimSpace(o.ID) == "" {
		return "", fmt.Errorf("%w: order.id: empty", ErrInvalid)
	}
	var parts []string
	for i, l := range o.Lines {
		if l.AddOn {
			continue
		}
		title := strings.TrimSpace(l.Title)
		if title == "" {
			title = l.SKU
		}
		if title == "" {
			return "", fmt.Errorf("%w: order %s lines[%d]: neither title nor sku", ErrInvalid, o.ID, i)
		}
		if l.Quantity < 1 {
			return "", fmt.Errorf("%w: order %s lines[%d].quantity: %d", ErrInvalid, o.ID, i, l.Quantity)
		}
		parts = append(parts, fmt.Sprintf("%d × %s", l.Quantity, title))
	}
	if len(parts) == 0 {
		return "", fmt.Errorf("%w: order %s: no lines the user chose", ErrInvalid, o.ID)
	}
	s := "Bought " + strings.Join(parts, ", ")
	if o.Total.Currency != "" {
		s += " for " + o.Total.String()
	}
	if o.Merchant != "" {
		s += " at " + o.Merchant
	}
	if !o.CreatedAt.IsZero() {
		s += " on " + o.CreatedAt.UTC().Format("2006-01-02")
	}
	s += " (order " + o.ID + ")"
	if len(s) > MaxTextBytes { // a huge basket: keep the head, it is a summary
		s = s[:MaxTextBytes-len(" …")]
		for !utf8.ValidString(s) { // never cut a character in half
			s = s[:len(s)-1]
		}
		s += " …"
	}
	return s, nil
}

// RecordPurchase adds a completed order to the user's history. It is
// idempotent: recording the same order again returns the existing entry.
func RecordPurchase(ctx context.Context, m Memory, userID string, o skills.Order) (Entry, error) {
	text, err := PurchaseText(o)
	if err != nil {
		return Entry{}, err
	}
	return m.Add(ctx, Entry{UserID: userID, Kind: History, Text: text, Source: "order:" + o.ID})
}

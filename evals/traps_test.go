package evals

import (
	"path/filepath"
	"strings"
	"testing"
)

// The public trap suite (evals/traps, issue 11) keeps the shape it was
// written to: at least 40 scenarios in at least 8 domain folders, each with
// its own world; every forbidden SKU exists in the world; every purchase
// scenario's cheapest_total equals the exhaustive search, and it forbids at
// least one near miss cheaper than the product the optimum basket buys;
// every no-purchase scenario is either a missing item with its look-alikes
// forbidden or a question nobody answers.
func TestTrapSuite(t *testing.T) {
	ss, err := Load("traps")
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) < 40 {
		t.Errorf("trap suite has %d scenarios, want at least 40", len(ss))
	}
	domains := map[string]bool{}
	tags := map[string]int{}
	for _, s := range ss {
		domains[filepath.Base(filepath.Dir(s.File))] = true
		for _, tg := range s.Tags {
			tags[tg]++
		}
		if !strings.HasPrefix(s.ID, "trap-") {
			t.Errorf("%s: id must start with trap-", s.ID)
		}
		if s.DemoWorld {
			t.Errorf("%s: uses the demo world; a trap scenario brings its own", s.ID)
		}
		if len(s.Tags) < 3 {
			t.Errorf("%s: tags %v, want domain, trap kind and currency", s.ID, s.Tags)
		}
		// a forbidden SKU that is not in the world forbids nothing: a typo
		// would silently let the near miss through
		for _, f := range s.Expect.Forbidden {
			if f.SKU == "" {
				continue
			}
			found := false
			for _, m := range s.Catalog.Merchants {
				for _, p := range m.Products {
					found = found || p.SKU == f.SKU
				}
			}
			if !found {
				t.Errorf("%s: forbidden sku %s is not in the world", s.ID, f.SKU)
			}
		}
		if !s.Expect.Purchase {
			if len(s.Expect.Forbidden) == 0 && s.Expect.Clarification != "required" {
				t.Errorf("%s: no purchase expected, but neither look-alikes forbidden nor a question required", s.ID)
			}
			continue
		}
		if s.Expect.CheapestTotal == nil {
			t.Errorf("%s: purchase expected but no cheapest_total", s.ID)
			continue
		}
		opt, err := CheapestBasket(s)
		if err != nil {
			t.Errorf("%s: %v", s.ID, err)
			continue
		}
		if opt.Total != *s.Expect.CheapestTotal {
			t.Errorf("%s: cheapest_total %s, exhaustive search %s (%s)", s.ID, s.Expect.CheapestTotal, opt.Total, describePicks(opt.Picks))
		}
		// a near miss: a forbidden product cheaper than a right one
		cheaper := false
		for _, f := range s.Expect.Forbidden {
			for _, m := range s.Catalog.Merchants {
				for _, p := range m.Products {
					if f.SKU != p.SKU {
						continue
					}
					for _, pk := range opt.Picks {
						if p.Price.Minor < pk.Unit.Minor {
							cheaper = true
						}
					}
				}
			}
		}
		if !cheaper {
			t.Errorf("%s: no forbidden near miss is cheaper than the right product", s.ID)
		}
	}
	if len(domains) < 8 {
		t.Errorf("trap suite spans %d domains, want at least 8", len(domains))
	}
	for _, want := range []string{"attr-after-noun", "pack-count", "measure", "price-floor", "price-range", "budget",
		"variant-conflict", "missing-item", "clarify-answered", "clarify-no-answer", "php"} {
		if tags[want] == 0 {
			t.Errorf("no trap scenario tagged %q", want)
		}
	}
	if tags["php"] < 3 {
		t.Errorf("%d scenarios in pesos, want several", tags["php"])
	}
}

package browser_test

import (
	"fmt"
	"log"

	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/browser"
)

// A storefront is added with a small profile file (testdata/corner-shop.yaml,
// 22 lines): page paths and the selectors worth pinning.
func ExampleLoadProfile() {
	p, err := browser.LoadProfile("testdata/corner-shop.yaml")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Name, p.URLs.Product, p.Selectors["add_to_cart"], len(p.Selectors))
	// Output: corner-shop p/{sku} #add-to-cart 11
}

// Wiring: one Browser per process, one Merchant per storefront, registered
// like any other merchant. A storefront without a profile is shopped with
// the generic one.
func ExampleNew() {
	b := browser.NewBrowser(browser.BrowserConfig{})
	defer b.Close()
	profile, err := browser.LoadProfile("testdata/corner-shop.yaml")
	if err != nil {
		log.Fatal(err)
	}
	reg := skills.NewRegistry()
	for _, c := range []browser.Config{
		{ID: "corner", BaseURL: "http://127.0.0.1:8081/shop/", Currency: "CNY", Profile: profile, Browser: b},
		{ID: "bazaar", BaseURL: "http://127.0.0.1:8082/shop/", Currency: "CNY", Browser: b}, // generic
	} {
		m, err := browser.New(c)
		if err != nil {
			log.Fatal(err)
		}
		if err := reg.Register(c.ID, m); err != nil {
			log.Fatal(err)
		}
	}
	// The runtime then calls Search, Quote and Complete; after them it
	// records the page evidence in its audit log:
	m, _ := reg.Get("corner")
	if es, ok := m.(browser.EvidenceSource); ok {
		for _, ev := range es.Evidence("cs_corner_1") {
			fmt.Println(ev.Kind, ev.Path, ev.SHA256)
		}
	}
	fmt.Println(reg.IDs())
	// Output: [bazaar corner]
}

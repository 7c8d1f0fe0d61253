package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cartwright-agent/cartwright/skills"
)

// TestShopPaysSearchFees: `shop` against a world whose cheapest merchant
// charges per search over x402: the fee is paid inside the mandate, shown
// in --json (fees, fee_payments) and in the text report, apart from the
// order's charge.
func TestShopPaysSearchFees(t *testing.T) {
	s, out, errb := testIO(t)
	code := run(context.Background(), s, []string{"shop", "--world", "testdata/x402.yaml", "--json", "--max-total", "30.00", "two large oat milk lattes"})
	if code != exitBought {
		t.Fatalf("exit %d\n%s\n%s", code, out, errb)
	}
	var res struct {
		Status      string       `json:"status"`
		Charged     skills.Money `json:"charged"`
		Fees        skills.Money `json:"fees"`
		FeePayments []struct {
			Merchant    string `json:"merchant"`
			Transaction string `json:"transaction"`
		} `json:"fee_payments"`
		Orders []struct {
			Merchant string `json:"merchant"`
		} `json:"orders"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Status != "bought" || len(res.Orders) != 1 || res.Orders[0].Merchant != "databrew" ||
		len(res.FeePayments) != 1 || res.FeePayments[0].Merchant != "databrew" || res.FeePayments[0].Transaction == "" ||
		res.Fees != skills.M(5, "CNY") || res.Charged != skills.M(2400, "CNY") {
		t.Fatalf("%s", out)
	}

	// The text report names the fee apart from the charge.
	s2, out2, errb2 := testIO(t)
	if code := run(context.Background(), s2, []string{"shop", "--world", "testdata/x402.yaml", "--max-total", "30.00", "two large oat milk lattes"}); code != exitBought {
		t.Fatalf("exit %d\n%s\n%s", code, out2, errb2)
	}
	txt := out2.String()
	if !strings.Contains(txt, "Fees (x402") || !strings.Contains(txt, "¥0.05") || !strings.Contains(txt, "Spent in total (orders + fees): ¥24.05") {
		t.Fatalf("report:\n%s", txt)
	}
}

package confirm

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/skills"
)

func proposal() agent.Proposal {
	c := func(v int64) skills.Money { return skills.M(v, "CNY") }
	return agent.Proposal{SessionID: "s1", Request: "two oat lattes", Total: c(3800),
		Quotes: []skills.Quote{{ID: "cs_1", Merchant: "brewlab", Total: c(3800), Shipping: c(500), Lines: []skills.QuoteLine{
			{SKU: "l", Title: "Oat latte L", Quantity: 2, UnitPrice: c(1500), Total: c(3000)},
			{SKU: "k", Title: "Cookie", Quantity: 1, UnitPrice: c(300), Total: c(300), AddOn: true}}}},
		Reasons: []agent.Reason{{Code: "confirm_above_threshold", Detail: "basket ¥38.00 is above ¥30.00"}}}
}

func TestTerminal(t *testing.T) {
	cases := []struct {
		in   string
		want bool
	}{{"y\n", true}, {"YES\n", true}, {"n\n", false}, {"\n", false}, {"", false}, {"sure\n", false}, {"y", true}}
	for _, c := range cases {
		var out bytes.Buffer
		term := &Terminal{In: strings.NewReader(c.in), Out: &out}
		ok, err := term.Confirm(context.Background(), proposal())
		if err != nil || ok != c.want {
			t.Errorf("%q: %v %v", c.in, ok, err)
		}
		s := out.String()
		for _, want := range []string{"brewlab", "Oat latte L", "¥38.00", "[added by the merchant]", "confirm_above_threshold", "[y/N]"} {
			if !strings.Contains(s, want) {
				t.Errorf("output lacks %q:\n%s", want, s)
			}
		}
	}
}

func TestTerminalNonTTYDenies(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "answers"))
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("y\n")
	f.Seek(0, io.SeekStart)
	defer f.Close()
	var out bytes.Buffer
	ok, err := (&Terminal{In: f, Out: &out}).Confirm(context.Background(), proposal())
	if ok || err != nil || !strings.Contains(out.String(), "not a terminal") {
		t.Fatalf("file input approved: %v %v %s", ok, err, out.String())
	}
	ok, _ = (&Terminal{In: f, Out: &out, AllowNonTTY: true}).Confirm(context.Background(), proposal())
	if !ok {
		t.Fatal("AllowNonTTY did not read the answer")
	}
	if ok, _ := (&Terminal{}).Confirm(context.Background(), proposal()); ok {
		t.Fatal("nil input approved")
	}
}

func TestTerminalCancel(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	term := &Terminal{In: r, Out: io.Discard}
	ok, err := term.Confirm(ctx, proposal())
	if ok || err == nil {
		t.Fatal("cancelled confirmation approved", ok, err)
	}
	// the answer typed later goes to the next question, read by the same reader
	go w.Write([]byte("y\n"))
	if ok, err := term.Confirm(context.Background(), proposal()); !ok || err != nil {
		t.Fatal("answer after a cancelled question:", ok, err)
	}
}

func TestAuto(t *testing.T) {
	ctx := context.Background()
	yes := &Auto{Approve: true}
	if ok, _ := yes.Confirm(ctx, proposal()); !ok || len(yes.Asked()) != 1 {
		t.Fatal("yes")
	}
	no := &Auto{}
	if ok, _ := no.Confirm(ctx, proposal()); ok {
		t.Fatal("no")
	}
	var out bytes.Buffer
	seq := &Auto{Script: Sequence(true, false), Out: &out}
	a, _ := seq.Confirm(ctx, proposal())
	b, _ := seq.Confirm(ctx, proposal())
	c, _ := seq.Confirm(ctx, proposal())
	if !a || b || c || !strings.Contains(out.String(), "approved=true") {
		t.Fatal(a, b, c)
	}
}

// ExampleAuto shows the simulated user of an eval: approve baskets up to a
// limit, deny the rest.
func ExampleAuto() {
	user := &Auto{Script: func(p agent.Proposal) bool { return p.Total.Minor <= 5000 }}
	ok, _ := user.Confirm(context.Background(), agent.Proposal{Total: skills.M(3800, "CNY")})
	fmt.Println(ok)
	// Output: true
}

package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestMemoryCommandShapesShopping: what `cartwright memory add` stores is
// what `shop` recalls (an allergy becomes a hard exclusion, named in the
// explanation), and a purchase is remembered as history afterwards.
func TestMemoryCommandShapesShopping(t *testing.T) {
	s, out, errb := testIO(t)
	ctx := context.Background()
	if code := run(ctx, s, []string{"memory", "add", "I am lactose intolerant"}); code != 0 {
		t.Fatalf("memory add: exit %d: %s %s", code, out, errb)
	}
	if !strings.Contains(out.String(), "constraint") {
		t.Fatalf("memory add should infer kind constraint:\n%s", out)
	}
	out.Reset()
	if code := run(ctx, s, []string{"shop", "--yes", "two large lattes under 40 yuan"}); code != exitBought {
		t.Fatalf("shop: exit %d:\n%s\n%s", code, out, errb)
	}
	text := out.String()
	if !strings.Contains(text, "from memory") {
		t.Fatalf("the explanation should name the memory entry that shaped the purchase:\n%s", text)
	}
	_, receipt, _ := strings.Cut(text, "Receipt")
	if !regexp.MustCompile(`2 × (Oat|Soy|Almond|Coconut) Milk Latte \(Large\)`).MatchString(receipt) {
		t.Fatalf("a lactose-intolerant user should get a plant-milk latte; receipt:\n%s", receipt)
	}
	out.Reset()
	if code := run(ctx, s, []string{"memory", "list", "--kind", "history"}); code != 0 {
		t.Fatalf("memory list: exit %d: %s", code, errb)
	}
	if !strings.Contains(out.String(), "Latte") {
		t.Fatalf("the purchase should be remembered as history:\n%s", out)
	}
}

func TestMemoryCommandUsage(t *testing.T) {
	s, out, errb := testIO(t)
	if code := run(context.Background(), s, []string{"memory"}); code != exitUsage {
		t.Fatalf("bare memory: exit %d", code)
	}
	if code := run(context.Background(), s, []string{"memory", "--help"}); code != 0 || !strings.Contains(out.String()+errb.String(), "reembed") {
		t.Fatalf("memory --help: exit %d: %s %s", code, out, errb)
	}
	var e bytes.Buffer
	s.err = &e
	if code := run(context.Background(), s, []string{"memory", "list", "--state"}); code != exitUsage {
		t.Fatalf("--state without a value: exit %d: %s", code, e.String())
	}
	if code := run(context.Background(), s, []string{"memory", "add", ""}); code == 0 {
		t.Fatal("adding empty text must fail")
	}
}

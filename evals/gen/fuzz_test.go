package gen_test

import (
	"context"
	"strings"
	"testing"
	"unicode"

	"github.com/cartwright-agent/cartwright/evals"
	"github.com/cartwright-agent/cartwright/evals/gen"
)

// FuzzNoWrongPurchase checks TestNoWrongPurchaseProperty's invariant (no purchase the request rules out) while the fuzzer mutates
// the seed (a different world and request), the case, and noise put into
// the request between its phrases, in any letter case. The noise keeps
// only letters and light punctuation and drops every word that could
// change what is asked: the world's own catalog words, numbers and number
// words, negations, conjunctions, comparisons and units. So whatever the
// fuzzer writes, the request still states the same requirements, and a
// purchase that misses one of them is a bug.
//
//	go test ./evals/gen -run '^$' -fuzz FuzzNoWrongPurchase -fuzztime 5m -parallel 1
func FuzzNoWrongPurchase(f *testing.F) {
	f.Add(int64(1), uint16(0), "", uint8(0), uint8(0))
	f.Add(int64(7), uint16(3), "uhh, pls", uint8(1), uint8(1))
	f.Add(int64(42), uint16(11), "for my mum!!", uint8(2), uint8(2))
	f.Add(int64(-3), uint16(17), "asap thx", uint8(255), uint8(0))
	f.Add(int64(99), uint16(400), "hmm... I guess", uint8(4), uint8(1))
	sys, err := evals.NewAgentSystem(evals.AgentSystemConfig{Planner: "offline"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, seed int64, index uint16, filler string, slot, mode uint8) {
		c, err := gen.One(gen.Config{Seed: seed}, int(index%1000))
		if err != nil {
			t.Fatal(err)
		}
		s := *c.Scenario
		s.Request = mutate(c, filler, slot, mode)
		r := evals.RunOne(context.Background(), &s, 1, evals.Options{System: sys, Planner: "offline", Seed: 1})
		if r.Status == evals.StatusCrashed {
			t.Fatalf("%s: crashed on %q: %s", s.ID, s.Request, r.Error)
		}
		if r.Score.WrongPurchase {
			t.Fatalf("%s (seed %d, case %d): request %q (stated %v): %s", s.ID, seed, index%1000, s.Request, c.Stated, r.Reason)
		}
	})
}

// mutate puts noise into the request at one of its slots and changes the
// letter case of the whole request (mode 1 upper, 2 lower).
func mutate(c *gen.Case, filler string, slot, mode uint8) string {
	req := c.Scenario.Request
	if n := noise(filler, c.Vocabulary); n != "" && len(c.Slots) > 0 {
		at := c.Slots[int(slot)%len(c.Slots)]
		req = strings.TrimSpace(req[:at] + " " + n + " " + req[at:])
	}
	switch mode % 3 {
	case 1:
		req = strings.ToUpper(req)
	case 2:
		req = strings.ToLower(req)
	}
	return req
}

// meaningful are words of the language that can change what a request
// asks for (quantities, negation, lists, money, comparison, units, sizes):
// noise keeps none of them.
var meaningful = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`not no nope never without dont don't doesnt doesn't isnt isn't won't wont cant can't except nor non neither
		avoid exclude excluding skip instead rather but other others another different anything any whatever whichever either or else
		cancel forget nevermind remove minus less more than under over above below max min least most between from to up down till until
		cheap cheaper cheapest expensive pricey budget tops total each per pack packs ct count pcs pc pk piece pieces set sets x
		and plus also with then too as well one two three four five six seven eight nine ten eleven twelve dozen dozens couple pair pairs
		few several half single double triple quarter both all some many lot lots size sizes eu us uk int ml l liter litre liters litres
		oz ounce ounces fl kg g mg gram grams kilo kilos w watt watts in inch inches cm mm qt quart quarts mah lb lbs pound pounds
		dollar dollars buck bucks euro euros yen yuan peso pesos won rupee rupees quid rs rmb usd eur gbp jpy php cny krw inr
		same only just exactly instead replace swap change first second third last large small big little medium mini extra`) {
		meaningful[w] = true
	}
}

// noise keeps letters, spaces and light punctuation of s, drops every word
// that could change the request's meaning (see meaningful) or that the
// world's catalog uses, and caps the length.
func noise(s string, vocab map[string]bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 128 && unicode.IsLetter(r), r == ' ', r == '!', r == '.', r == ',':
			b.WriteRune(r)
		default:
			b.WriteRune(' ')
		}
	}
	var keep []string
	for _, w := range strings.Fields(b.String()) {
		bare := strings.ToLower(strings.Trim(w, "!.,"))
		if len(bare) < 2 || meaningful[bare] || vocab[bare] || vocab[strings.TrimSuffix(bare, "s")] || vocab[strings.TrimSuffix(bare, "es")] {
			continue
		}
		keep = append(keep, w)
		if len(keep) == 6 {
			break
		}
	}
	return strings.Join(keep, " ")
}

package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/audit"
	"github.com/cartwright-agent/cartwright/agent/mandate"
	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/safetext"
	"github.com/cartwright-agent/cartwright/skills/witness"
)

// BundleVersion names the evidence bundle format.
const BundleVersion = "cartwright-evidence/v1"

// Bundle is the dispute evidence of one order: who authorised the charge,
// within which limits, what was bought and paid, and the records that
// prove it — self-contained, checkable offline (audit verify --bundle).
type Bundle struct {
	Version   string       `json:"version"`
	CreatedAt time.Time    `json:"created_at"`
	Order     skills.Order `json:"order"`
	Session   string       `json:"session"`
	UserID    string       `json:"user_id"`
	// Request is what the person asked for, in their words.
	Request string `json:"request"`
	// Chain is the signed AP2 authorisation: the user's intent mandate
	// (and the standing mandate a run mandate narrows), the cart mandate
	// over the merchant's quote, the agent's payment mandate.
	Chain         *mandate.Chain  `json:"mandate_chain,omitempty"`
	ParentMandate *mandate.Intent `json:"parent_mandate,omitempty"`
	// Decision is the policy's verdict with its reason codes.
	Decision agent.Decision `json:"policy_decision"`
	// RequirementCheck is what the requirement check recorded.
	RequirementCheck json.RawMessage `json:"requirement_check,omitempty"`
	// Confirmation: whether the user was asked, the answer, and when.
	Confirmation   agent.Confirmation `json:"confirmation"`
	ConfirmationAt *time.Time         `json:"confirmation_at,omitempty"`
	// Capture is the wallet hold that paid the order.
	Capture *wallet.Hold `json:"wallet_capture,omitempty"`
	// Witnesses are the payment network's countersignatures of heads at or
	// after this order's entries.
	Witnesses []witness.Countersignature `json:"witnesses"`
	// Screenshots are the web pages kept for a web purchase (hashes).
	Screenshots []skills.Evidence `json:"screenshots,omitempty"`
	// Entries are the session's audit entries, each hashed, chained and
	// signed by the agent key.
	Entries []BundleEntry `json:"audit_entries"`
	Keys    BundleKeys    `json:"keys"`
	// Verified is what the exporter's checks found.
	Verified []string `json:"verified"`
}

// BundleEntry is an audit entry with its payload as the exact string that
// was hashed (JSON re-indenting must not change the signed bytes).
type BundleEntry struct {
	ID      int64     `json:"id"`
	Session string    `json:"session"`
	Seq     int64     `json:"seq"`
	Time    time.Time `json:"time"`
	Kind    string    `json:"kind"`
	Payload string    `json:"payload"`
	Prev    string    `json:"prev_hash"`
	Hash    string    `json:"hash"`
	Sig     string    `json:"sig"`
}

func (e BundleEntry) entry() audit.Entry {
	return audit.Entry{ID: e.ID, Session: e.Session, Seq: e.Seq, Time: e.Time, Kind: e.Kind, Payload: json.RawMessage(e.Payload), Prev: e.Prev, Hash: e.Hash, Sig: e.Sig}
}

// BundleKeys are the public keys the bundle's signatures check against.
type BundleKeys struct {
	Agent    string   `json:"agent"`
	User     string   `json:"user"`
	Networks []string `json:"networks,omitempty"` // pinned witness keys
}

// buildBundle gathers the evidence of ref from the runtime's state.
func buildBundle(ctx context.Context, rt *runtime, ref orderRef) (*Bundle, error) {
	res, err := rt.agent.Session(ctx, ref.Session)
	if err != nil {
		return nil, err
	}
	b := &Bundle{Version: BundleVersion, CreatedAt: time.Now().UTC(), Order: ref.Order, Session: ref.Session, UserID: rt.auth.UserID,
		Request: res.Intent.Request, Decision: res.Decision, Confirmation: res.Confirmation, Witnesses: []witness.Countersignature{}}
	b.Keys.Agent = audit.KeyString(rt.auth.AgentKey.Public().(ed25519.PublicKey))
	b.Keys.User = mandate.PublicKeyString(rt.auth.UserKey.Public().(ed25519.PublicKey))
	es, err := rt.auth.Audit.Entries(ctx, ref.Session)
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		b.Entries = append(b.Entries, BundleEntry{ID: e.ID, Session: e.Session, Seq: e.Seq, Time: e.Time, Kind: e.Kind, Payload: string(e.Payload), Prev: e.Prev, Hash: e.Hash, Sig: e.Sig})
	}
	if len(b.Entries) == 0 {
		return nil, fmt.Errorf("the audit log has no entries for session %s: no evidence can be exported (audit verify all)", ref.Session)
	}
	var last int64
	for _, e := range b.Entries {
		last = max(last, e.ID)
		switch e.Kind {
		case "check":
			b.RequirementCheck = json.RawMessage(e.Payload)
		case audit.KindConfirmation:
			t := e.Time
			b.ConfirmationAt = &t
		}
	}
	for _, ev := range res.Evidence {
		if ev.QuoteID == ref.Order.QuoteID || ev.OrderID == ref.Order.ID {
			b.Screenshots = append(b.Screenshots, ev)
		}
	}
	if ch, err := rt.auth.Store.ChainFor(ctx, ref.Session, ref.Order.Merchant, ref.Order.QuoteID); err == nil {
		b.Chain = &ch
		if p := ch.Intent.Parent; p != "" {
			if in, err := rt.auth.Store.Get(ctx, p); err == nil {
				b.ParentMandate = &in
			}
		}
	} else if !errors.Is(err, mandate.ErrNotFound) {
		return nil, err
	}
	if h, err := holdForOrder(ctx, rt.wallet, ref); err == nil {
		b.Capture = &h
	}
	ws, err := rt.auth.Audit.Witnesses(ctx)
	if err != nil {
		return nil, err
	}
	first := b.Entries[0].ID
	for _, w := range ws {
		if w.Seq >= first && w.Seq <= last {
			b.Witnesses = append(b.Witnesses, w) // a head inside the session: its entry is in the bundle
		}
	}
	for k := range audit.NewPins(rt.auth.KeysDir).Keys() {
		b.Keys.Networks = append(b.Keys.Networks, k)
	}
	res2, err := VerifyBundle(b, nil)
	if err != nil {
		return nil, fmt.Errorf("the evidence of order %s does not verify: %w", ref.Order.ID, err)
	}
	b.Verified = res2
	return b, nil
}

// VerifyBundle checks a bundle offline: every audit entry's hash and agent
// signature and the links between consecutive entries; the order entry
// against the order; the mandate chain (signatures, hashes, the cart inside
// the intent, the payment for exactly the order); every network
// countersignature against the entry it names and, when pins are given
// (the local pinned keys), against them; screenshots whose files exist
// against their hashes. It returns what was checked, or the first failure.
func VerifyBundle(b *Bundle, pins map[string]int64) ([]string, error) {
	var ok []string
	if b.Version != BundleVersion {
		return nil, fmt.Errorf("bundle version %q, want %q", b.Version, BundleVersion)
	}
	agentPub, err := witness.ParseKey(b.Keys.Agent)
	if err != nil {
		return nil, fmt.Errorf("keys.agent: %w", err)
	}
	if len(b.Entries) == 0 {
		return nil, errors.New("the bundle has no audit entries")
	}
	byID := map[int64]BundleEntry{}
	var orderEntry *BundleEntry
	for i, e := range b.Entries {
		if err := audit.CheckEntry(e.entry(), agentPub); err != nil {
			return nil, fmt.Errorf("audit entry %d: %w", e.ID, err)
		}
		if e.Session != b.Session {
			return nil, fmt.Errorf("audit entry %d belongs to session %s, not %s", e.ID, e.Session, b.Session)
		}
		if i > 0 {
			prev := b.Entries[i-1]
			if e.Seq != prev.Seq+1 {
				return nil, fmt.Errorf("audit entry %d: session sequence %d follows %d (an entry was removed)", e.ID, e.Seq, prev.Seq)
			}
			if e.ID == prev.ID+1 && e.Prev != prev.Hash {
				return nil, fmt.Errorf("audit entry %d does not link to entry %d", e.ID, prev.ID)
			}
		}
		byID[e.ID] = e
		if e.Kind == audit.KindOrder {
			var o skills.Order
			if json.Unmarshal([]byte(e.Payload), &o) == nil && o.ID == b.Order.ID {
				orderEntry = &b.Entries[i]
				if o.Total != b.Order.Total || o.Merchant != b.Order.Merchant || o.QuoteID != b.Order.QuoteID {
					return nil, fmt.Errorf("the order (%s at %s) differs from what the signed audit entry %d records (%s at %s)", b.Order.Total, b.Order.Merchant, e.ID, o.Total, o.Merchant)
				}
			}
		}
	}
	ok = append(ok, fmt.Sprintf("%d audit entries: hashes, agent signatures and links intact", len(b.Entries)))
	if orderEntry == nil {
		return nil, fmt.Errorf("no signed audit entry records order %s", b.Order.ID)
	}
	ok = append(ok, fmt.Sprintf("order %s matches its signed audit entry %d", b.Order.ID, orderEntry.ID))
	if c := b.Chain; c != nil {
		trust := mandate.Trust{Users: map[string]string{b.UserID: b.Keys.User}, Agents: []string{b.Keys.Agent}, Merchants: map[string]string{}, AllowAgentAttestedCarts: true}
		if err := mandate.Verify(*c, trust, c.Payment.CreatedAt); err != nil {
			return nil, fmt.Errorf("mandate chain: %w", err)
		}
		if c.Payment.Amount != b.Order.Total || c.Payment.Payee != b.Order.Merchant || c.Cart.CheckoutSessionID != b.Order.QuoteID {
			return nil, fmt.Errorf("mandate chain: the payment mandate (%s to %s, checkout %s) is not for this order (%s at %s, checkout %s)",
				c.Payment.Amount, c.Payment.Payee, c.Cart.CheckoutSessionID, b.Order.Total, b.Order.Merchant, b.Order.QuoteID)
		}
		ok = append(ok, fmt.Sprintf("mandate chain: intent %s signed by the user, cart and payment mandate signed by the agent, for exactly %s to %s", c.Intent.ID, b.Order.Total, b.Order.Merchant))
		if p := b.ParentMandate; p != nil {
			if p.ID != c.Intent.Parent {
				return nil, fmt.Errorf("parent mandate %s is not the one intent %s narrows (%s)", p.ID, c.Intent.ID, c.Intent.Parent)
			}
			if err := mandate.VerifyIntent(*p, trust, c.Payment.CreatedAt); err != nil {
				return nil, fmt.Errorf("parent mandate: %w", err)
			}
			ok = append(ok, fmt.Sprintf("the run's mandate narrows the user's mandate %s (signature verified)", p.ID))
		}
	} else {
		ok = append(ok, "no delegated-payment mandate chain (paid on another rail)")
	}
	covered := false
	for _, w := range b.Witnesses {
		if err := w.Verify(); err != nil {
			return nil, fmt.Errorf("witness of entry %d: %w", w.Seq, err)
		}
		if w.AgentKey != b.Keys.Agent {
			return nil, fmt.Errorf("witness of entry %d countersigns agent key %s, not the bundle's", w.Seq, w.AgentKey)
		}
		e, in := byID[w.Seq]
		if !in || e.Hash != w.Hash {
			return nil, fmt.Errorf("the payment network witnessed entry %d with hash %s; the bundle's entry differs or is missing (tampering)", w.Seq, w.Hash)
		}
		if pins != nil {
			if _, ok := pins[w.NetworkKey]; !ok {
				return nil, fmt.Errorf("witness of entry %d is signed by network key %s, which is not pinned here", w.Seq, w.NetworkKey)
			}
		}
		covered = covered || w.Seq >= orderEntry.ID
		ok = append(ok, fmt.Sprintf("payment network %s countersigned the log at entry %d (%s)", w.NetworkKey, w.Seq, w.WitnessedAt.UTC().Format(time.RFC3339)))
	}
	if !covered {
		ok = append(ok, "WARNING: no network countersignature covers the order entry")
	}
	for _, s := range b.Screenshots {
		data, err := os.ReadFile(s.Path)
		if err != nil {
			ok = append(ok, fmt.Sprintf("screenshot %s (sha256 %s): file not available here", filepath.Base(s.Path), s.SHA256))
			continue
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != s.SHA256 {
			return nil, fmt.Errorf("screenshot %s does not match its recorded sha256", s.Path)
		}
		ok = append(ok, fmt.Sprintf("screenshot %s matches sha256 %s", filepath.Base(s.Path), s.SHA256))
	}
	return ok, nil
}

// writeBundle writes dir/evidence-ORDER.json and .html.
func writeBundle(dir string, b *Bundle) (string, string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", err
	}
	name := "evidence-" + strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < 0x20 {
			return '_'
		}
		return r
	}, b.Order.ID)
	jp, hp := filepath.Join(dir, name+".json"), filepath.Join(dir, name+".html")
	raw, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return "", "", err
	}
	if err := os.WriteFile(jp, append(raw, '\n'), 0o600); err != nil {
		return "", "", err
	}
	f, err := os.OpenFile(hp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", "", err
	}
	if err := renderBundle(f, b); err != nil {
		f.Close()
		return "", "", err
	}
	return jp, hp, f.Close()
}

// readBundle reads a bundle file strictly.
func readBundle(path string) (*Bundle, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var b Bundle
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("%s: not an evidence bundle: %w", path, err)
	}
	return &b, nil
}

func renderBundle(w io.Writer, b *Bundle) error {
	return bundlePage.Execute(w, b)
}

var bundlePage = template.Must(template.New("evidence").Funcs(template.FuncMap{
	"inert": func(s string) string { return safetext.Terminal(s, 2000) },
	"json": func(v any) string {
		b, _ := json.MarshalIndent(v, "", "  ")
		return safetext.Terminal(string(b), -1)
	},
	"time": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Evidence: order {{inert .Order.ID}}</title>
<style>body{font:14px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left;vertical-align:top;border-bottom:1px solid #eee}
pre{background:#f6f6f6;padding:.6em;overflow:auto;font-size:12px;white-space:pre-wrap}code{font-size:12px}</style></head><body>
<h1>Who authorised this charge? Order {{inert .Order.ID}}</h1>
<p>{{inert .Order.Merchant}} charged <b>{{.Order.Total}}</b> for checkout {{inert .Order.QuoteID}} (session {{.Session}}, user {{inert .UserID}}).
Bundle created {{time .CreatedAt}}; verify it offline with <code>cartwright audit verify --bundle FILE.json</code>.</p>
<h2>The person's request</h2><p>“{{inert .Request}}”</p>
<h2>Order</h2><table><tr><th>qty</th><th>item</th><th>sku</th><th>total</th></tr>
{{range .Order.Lines}}<tr><td>{{.Quantity}}</td><td>{{inert .Title}}</td><td>{{inert .SKU}}</td><td>{{.Total}}</td></tr>{{end}}</table>
<h2>Authorisation (signed mandates)</h2>
{{with .Chain}}<table>
<tr><th>intent mandate</th><td>{{.Intent.ID}} signed by user key <code>{{.Intent.UserKey}}</code>: at most {{.Intent.MaxTotal}} per purchase{{with .Intent.Budget}}, budget {{.Amount}} per {{.Period}}{{end}}{{if .Intent.Merchants}}, merchants {{range .Intent.Merchants}}{{inert .}} {{end}}{{end}}; valid {{time .Intent.NotBefore}} – {{time .Intent.ExpiresAt}}{{if .Intent.Parent}}; narrows mandate {{.Intent.Parent}}{{end}}</td></tr>
<tr><th>cart mandate</th><td>{{inert .Cart.MerchantID}} checkout {{inert .Cart.CheckoutSessionID}}, total {{.Cart.Total}}, cart hash <code>{{.Cart.CartHash}}</code> ({{.Cart.SignerRole}}-signed)</td></tr>
<tr><th>payment mandate</th><td>{{.Payment.ID}}: {{.Payment.Amount}} to {{inert .Payment.Payee}}, signed by agent key <code>{{.Payment.AgentKey}}</code> at {{time .Payment.CreatedAt}}</td></tr>
</table>{{else}}<p>No delegated-payment chain.</p>{{end}}
<h2>Policy decision</h2><p><b>{{.Decision.Action}}</b></p><ul>{{range .Decision.Reasons}}<li><code>{{.Code}}</code>: {{inert .Detail}}</li>{{end}}</ul>
<h2>Requirement check</h2>{{if .RequirementCheck}}<pre>{{json .RequirementCheck}}</pre>{{else}}<p>Not recorded for this session.</p>{{end}}
<h2>Confirmation</h2><p>{{if .Confirmation.Asked}}The user was asked{{with .ConfirmationAt}} at {{time .}}{{end}} and {{if .Confirmation.Approved}}approved{{else}}declined{{end}}.{{else}}Not asked: the basket was inside the signed mandate's limits, which the user signed in advance.{{end}}</p>
<h2>Payment</h2>{{with .Capture}}<p>Wallet hold {{.ID}} captured {{.Captured}} ({{inert .Memo}}).</p>{{end}}<p>Network payment id {{inert .Order.PaymentID}}.</p>
<h2>Payment network witness</h2>{{range .Witnesses}}<p>Network <code>{{.NetworkKey}}</code> countersigned the audit log at entry {{.Seq}} (hash <code>{{.Hash}}</code>) at {{time .WitnessedAt}}.</p>{{else}}<p>No countersignature.</p>{{end}}
{{if .Screenshots}}<h2>Screenshots (web purchase)</h2><ul>{{range .Screenshots}}<li>{{.Kind}} {{inert .URL}} at {{time .TakenAt}}: sha256 <code>{{.SHA256}}</code></li>{{end}}</ul>{{end}}
<h2>Verification at export</h2><ul>{{range .Verified}}<li>{{inert .}}</li>{{end}}</ul>
<h2>Audit entries</h2><table><tr><th>id</th><th>time</th><th>kind</th><th>hash</th></tr>
{{range .Entries}}<tr><td>{{.ID}}</td><td>{{time .Time}}</td><td>{{.Kind}}</td><td><code>{{.Hash}}</code></td></tr>{{end}}</table>
</body></html>
`))

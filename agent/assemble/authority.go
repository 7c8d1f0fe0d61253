package assemble

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/audit"
	"github.com/cartwright-agent/cartwright/agent/mandate"
	"github.com/cartwright-agent/cartwright/agent/policy"
	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/pay"
	"github.com/cartwright-agent/cartwright/skills/store"
)

// Authority is the payment authority of one user: the user's and the
// agent's signing keys, the mandate store, the audit log and the trust they
// imply. Build wires the policy engine, the delegated-token rail, the
// payment network's verifier and the auditor from it.
type Authority struct {
	UserID string
	// KeysDir is the key directory ("" : keys live only in this process);
	// the pinned witness keys are kept there too.
	KeysDir  string
	UserKey  ed25519.PrivateKey
	AgentKey ed25519.PrivateKey
	Store    *mandate.Store
	Audit    *audit.Log
	Trust    mandate.Trust
}

// OpenAuthority loads (creating on first use, mode 0600) the keys
// "user-<id>.ed25519" and "agent.ed25519" in keysDir — that directory
// itself — and opens the mandate store and the audit log in db. An empty
// keysDir makes fresh keys that live only as long as the process (an eval
// run's).
//
// A key is not created where records signed by an earlier key exist (audit
// entries for the agent key, stored mandates of the user for the user key):
// that is a wrong key directory, and a fresh key would make every earlier
// record fail verification. A loaded agent key other than the one that
// signed the audit log is refused the same way, naming both keys.
func OpenAuthority(ctx context.Context, db *store.DB, keysDir, userID string) (*Authority, error) {
	return OpenAuthorityKey(ctx, db, keysDir, "", userID)
}

// EnvAgentKey names the environment variable that gives the agent key's
// file (…/NAME.ed25519) when it lives apart from the key directory: away
// from the state database, whoever can edit the database cannot also
// re-sign the audit log with it.
const EnvAgentKey = "CARTWRIGHT_AGENT_KEY"

// AgentKeyLocation is where the agent key lives: agentKeyFile when given
// (a path ending in ".ed25519"), else keysDir/agent.ed25519.
func AgentKeyLocation(keysDir, agentKeyFile string) (dir, name string, err error) {
	if agentKeyFile == "" {
		return keysDir, mandate.RoleAgent, nil
	}
	base := filepath.Base(agentKeyFile)
	name, ok := strings.CutSuffix(base, ".ed25519")
	if !ok || name == "" {
		return "", "", fmt.Errorf("%s %q: the agent key file must be named NAME.ed25519", EnvAgentKey, agentKeyFile)
	}
	return filepath.Dir(agentKeyFile), name, nil
}

// OpenAuthorityKey is OpenAuthority with the agent key in its own file
// (agentKeyFile, "" : keysDir/agent.ed25519).
func OpenAuthorityKey(ctx context.Context, db *store.DB, keysDir, agentKeyFile, userID string) (*Authority, error) {
	if userID == "" {
		return nil, errors.New("assemble: authority needs a user id")
	}
	ms, err := mandate.OpenStore(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("mandates: %w", err)
	}
	var uk, ak ed25519.PrivateKey
	if keysDir == "" {
		if _, uk, err = ed25519.GenerateKey(rand.Reader); err != nil {
			return nil, err
		}
		if _, ak, err = ed25519.GenerateKey(rand.Reader); err != nil {
			return nil, err
		}
	} else {
		userKey := "user-" + strings.ToLower(userID)
		if !mandate.KeyExists(keysDir, userKey) {
			if err := noUserRecords(ctx, ms, keysDir, userKey, userID); err != nil {
				return nil, err
			}
		}
		if uk, err = mandate.LoadOrCreateKey(keysDir, userKey); err != nil {
			return nil, fmt.Errorf("user key: %w", err)
		}
		head, err := audit.ReadHead(ctx, db)
		if err != nil && !errors.Is(err, audit.ErrHeadMissing) { // a missing head is for audit verify to report
			return nil, fmt.Errorf("audit log: %w", err)
		}
		akDir, akName, err := AgentKeyLocation(keysDir, agentKeyFile)
		if err != nil {
			return nil, err
		}
		if !mandate.KeyExists(akDir, akName) && head.ID > 0 {
			signer := "another agent key"
			if head.AgentKey != "" {
				signer = "agent key " + head.AgentKey
			}
			return nil, fmt.Errorf("the audit log (%d entries) was signed by %s, but %s holds no agent key (%s): wrong --keys? (a new key would make every earlier entry fail verification)",
				head.ID, signer, akDir, mandate.KeyPath(akDir, akName))
		}
		if ak, err = mandate.LoadOrCreateKey(akDir, akName); err != nil {
			return nil, fmt.Errorf("agent key: %w", err)
		}
		if have := audit.KeyString(ak.Public().(ed25519.PublicKey)); head.AgentKey != "" && head.AgentKey != have {
			return nil, fmt.Errorf("the audit log was signed by agent key %s; the key in %s is %s — wrong --keys?", head.AgentKey, keysDir, have)
		}
	}
	al, err := audit.Open(ctx, audit.Config{DB: db, Key: ak})
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	al.SetPins(audit.NewPins(keysDir)) // the trusted witness keys, beside the signing keys
	return &Authority{UserID: userID, KeysDir: keysDir, UserKey: uk, AgentKey: ak, Store: ms, Audit: al,
		Trust: mandate.Trust{
			Users:  map[string]string{userID: mandate.PublicKeyString(uk.Public().(ed25519.PublicKey))},
			Agents: []string{mandate.PublicKeyString(ak.Public().(ed25519.PublicKey))},
			// The mock world's merchants sign no carts: the agent attests them.
			AllowAgentAttestedCarts: true, Merchants: map[string]string{},
		}}, nil
}

// noUserRecords refuses to create a user key where the user's stored
// mandates were signed by another one.
func noUserRecords(ctx context.Context, ms *mandate.Store, keysDir, keyName, userID string) error {
	list, err := ms.List(ctx, userID)
	if err != nil {
		return fmt.Errorf("mandates: %w", err)
	}
	if len(list) == 0 {
		return nil
	}
	return fmt.Errorf("user %s has %d stored mandate(s) signed by user key %s, but %s holds no user key (%s): wrong --keys? (a new key would leave them unverifiable)",
		userID, len(list), list[0].UserKey, keysDir, mandate.KeyPath(keysDir, keyName))
}

// Policy is the policy engine over the signed mandate.
func (a *Authority) Policy(w policy.WalletView) *policy.Engine {
	return &policy.Engine{Trust: a.Trust, Store: a.Store, Wallet: w}
}

// Rail is the delegated-payment rail carrying the mandate chain. Sessions
// without a signed mandate get a one-off intent signed by the user's key for
// exactly the quote (the policy asked the user first).
func (a *Authority) Rail(d *pay.DelegatedRail) *mandate.Rail {
	return &mandate.Rail{Delegated: d, Store: a.Store, AgentKey: a.AgentKey, HumanPresent: a.UserKey, UserID: a.UserID}
}

// Verifier is the payment network's AP2 check (install its Hook in the
// network); the wallet's spend counts against cumulative budgets.
func (a *Authority) Verifier(w func() *wallet.Wallet) *mandate.DelegationVerifier {
	return &mandate.DelegationVerifier{Trust: a.Trust, Store: a.Store,
		Spent: func(ctx context.Context, _ mandate.Intent, from, to time.Time) (skills.Money, error) {
			wl := w()
			if wl == nil {
				return skills.Money{}, errors.New("wallet not open")
			}
			return wl.Spent(ctx, from, to)
		}}
}

// SessionMandate is the user's active signed mandate (nil when there is none).
func (a *Authority) SessionMandate(ctx context.Context, now time.Time) (*agent.Mandate, error) {
	in, err := a.Store.Active(ctx, a.UserID, now)
	if errors.Is(err, mandate.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return mandate.AgentMandate(in)
}

// Sign signs in with the user's key, stores it and returns it as the
// runtime's mandate. in.UserID defaults to the authority's user.
func (a *Authority) Sign(ctx context.Context, in mandate.Intent) (*agent.Mandate, error) {
	if in.UserID == "" {
		in.UserID = a.UserID
	}
	if err := in.Sign(a.UserKey); err != nil {
		return nil, fmt.Errorf("sign mandate: %w", err)
	}
	if err := a.Store.Save(ctx, in); err != nil {
		return nil, fmt.Errorf("store mandate: %w", err)
	}
	return mandate.AgentMandate(in)
}

// RunLimits are limits typed for one run (the shop command's flags). A nil
// limit was not given.
type RunLimits struct {
	MaxTotal     *skills.Money
	ConfirmAbove *skills.Money
	ConfirmAll   bool
	// Defaults apply when there is no standing mandate and a limit was not
	// given.
	DefaultMaxTotal     skills.Money
	DefaultConfirmAbove *skills.Money
}

// SignRunMandate turns limits given for one run into an intent mandate
// signed with the user's key, valid for ttl (and never past its parent),
// and stores it. With a standing mandate (parent) the run's limits only
// narrow it: the lower of each cap applies, confirmation is asked whenever
// either asks, and the parent's per-item cap, cumulative budget, merchant
// and category lists and start carry over unchanged (the budget keeps
// counting from the parent's start; revoking the parent revokes the run's
// mandate). notes say which typed limits were not applied because they
// would have widened the parent.
func (a *Authority) SignRunMandate(ctx context.Context, l RunLimits, parent *mandate.Intent, ttl time.Duration, now time.Time) (m *agent.Mandate, notes []string, err error) {
	in := mandate.Intent{UserID: a.UserID, Description: mandate.RunDescription, Scope: mandate.ScopeRun,
		RequireConfirmation: l.ConfirmAll, NotBefore: now.Add(-time.Minute), ExpiresAt: now.Add(ttl)}
	if parent == nil {
		in.MaxTotal, in.ConfirmAbove = l.DefaultMaxTotal, l.DefaultConfirmAbove
		if l.MaxTotal != nil {
			in.MaxTotal = *l.MaxTotal
		}
		if l.ConfirmAbove != nil {
			in.ConfirmAbove = l.ConfirmAbove
		}
		in.Currency = in.MaxTotal.Currency
		m, err = a.Sign(ctx, in)
		return m, nil, err
	}
	p := *parent
	in.Description = "limits given on the command line for one run, narrowing mandate " + p.ID
	in.Parent, in.Currency = p.ID, p.Currency
	in.MaxTotal, in.PerItemCap, in.Budget, in.ConfirmAbove = p.MaxTotal, p.PerItemCap, p.Budget, p.ConfirmAbove
	in.Merchants, in.Categories = p.Merchants, p.Categories
	in.RequireConfirmation = l.ConfirmAll || p.RequireConfirmation
	in.NotBefore = p.NotBefore
	if p.ExpiresAt.Before(in.ExpiresAt) {
		in.ExpiresAt = p.ExpiresAt
	}
	if v := l.MaxTotal; v != nil {
		switch {
		case v.Currency != p.Currency:
			return nil, nil, fmt.Errorf("--max-total %s: the active mandate %s is in %s", *v, p.ID, p.Currency)
		case v.Minor <= p.MaxTotal.Minor:
			in.MaxTotal = *v
		default:
			notes = append(notes, fmt.Sprintf("--max-total %s is above the active mandate's %s per purchase (%s): the mandate's limit applies", *v, p.MaxTotal, p.ID))
		}
	}
	if v := l.ConfirmAbove; v != nil {
		switch {
		case v.Currency != p.Currency:
			return nil, nil, fmt.Errorf("--confirm-above %s: the active mandate %s is in %s", *v, p.ID, p.Currency)
		case p.ConfirmAbove == nil || v.Minor <= p.ConfirmAbove.Minor:
			c := *v
			in.ConfirmAbove = &c
		default:
			notes = append(notes, fmt.Sprintf("--confirm-above %s is above the active mandate's threshold %s (%s): the mandate's threshold applies", *v, *p.ConfirmAbove, p.ID))
		}
	}
	if in.ConfirmAbove != nil && in.ConfirmAbove.Minor > in.MaxTotal.Minor {
		c := in.MaxTotal // a threshold above the cap would never apply
		in.ConfirmAbove = &c
	}
	m, err = a.Sign(ctx, in)
	return m, notes, err
}

// NoSpending says why no payment may be made although no mandate is
// active: the user's newest own mandate was revoked (nil error when the
// user never had one, or it merely expired or is not valid yet).
func (a *Authority) NoSpending(ctx context.Context, now time.Time) error {
	l, err := a.Store.Latest(ctx, a.UserID, now)
	if errors.Is(err, mandate.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if l.Status != mandate.StatusRevoked {
		return nil
	}
	reason, at, _, err := a.Store.RevokedAt(ctx, l.ID)
	if err != nil {
		return err
	}
	return &RevokedError{ID: l.ID, Reason: reason, At: at}
}

// RevokedError: the user revoked their mandate and signed no new one, so
// the agent may not spend.
type RevokedError struct {
	ID     string
	Reason string
	At     time.Time
}

func (e *RevokedError) Error() string {
	return fmt.Sprintf("mandate %s was revoked at %s (%s) and no other mandate applies: the agent spends nothing until you sign a new one (cartwright mandate create FILE)",
		e.ID, e.At.UTC().Format(time.RFC3339), e.Reason)
}

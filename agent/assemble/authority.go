package assemble

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/audit"
	"github.com/cartwright-agent/cartwright/agent/mandate"
	"github.com/cartwright-agent/cartwright/agent/policy"
	"github.com/cartwright-agent/cartwright/agent/store"
	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/pay"
)

// Authority is the payment authority of one user: the user's and the
// agent's signing keys, the mandate store, the audit log and the trust they
// imply. Build wires the policy engine, the delegated-token rail, the
// payment network's verifier and the auditor from it.
type Authority struct {
	UserID   string
	UserKey  ed25519.PrivateKey
	AgentKey ed25519.PrivateKey
	Store    *mandate.Store
	Audit    *audit.Log
	Trust    mandate.Trust
}

// OpenAuthority loads (creating on first use, mode 0600) the keys
// "user-<id>" and "agent" in keysDir and opens the mandate store and the
// audit log in db. An empty keysDir makes fresh keys that live only as long
// as the process (an eval run's).
func OpenAuthority(ctx context.Context, db *store.DB, keysDir, userID string) (*Authority, error) {
	if userID == "" {
		return nil, errors.New("assemble: authority needs a user id")
	}
	var uk, ak ed25519.PrivateKey
	var err error
	if keysDir == "" {
		if _, uk, err = ed25519.GenerateKey(rand.Reader); err != nil {
			return nil, err
		}
		if _, ak, err = ed25519.GenerateKey(rand.Reader); err != nil {
			return nil, err
		}
	} else {
		if uk, err = mandate.LoadOrCreateKey(keysDir, "user-"+strings.ToLower(userID)); err != nil {
			return nil, fmt.Errorf("user key: %w", err)
		}
		if ak, err = mandate.LoadOrCreateKey(keysDir, mandate.RoleAgent); err != nil {
			return nil, fmt.Errorf("agent key: %w", err)
		}
	}
	ms, err := mandate.OpenStore(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("mandates: %w", err)
	}
	al, err := audit.Open(ctx, audit.Config{DB: db, Key: ak})
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return &Authority{UserID: userID, UserKey: uk, AgentKey: ak, Store: ms, Audit: al,
		Trust: mandate.Trust{
			Users:  map[string]string{userID: mandate.PublicKeyString(uk.Public().(ed25519.PublicKey))},
			Agents: []string{mandate.PublicKeyString(ak.Public().(ed25519.PublicKey))},
			// The mock world's merchants sign no carts: the agent attests them.
			AllowAgentAttestedCarts: true, Merchants: map[string]string{},
		}}, nil
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

// SignRunMandate turns limits given for one run into an intent mandate
// signed with the user's key, valid for ttl, and stores it.
func (a *Authority) SignRunMandate(ctx context.Context, maxTotal skills.Money, confirmAbove *skills.Money, confirmAll bool, ttl time.Duration, now time.Time) (*agent.Mandate, error) {
	return a.Sign(ctx, mandate.Intent{UserID: a.UserID, Description: "limits given on the command line for one run", Currency: maxTotal.Currency,
		MaxTotal: maxTotal, ConfirmAbove: confirmAbove, RequireConfirmation: confirmAll, NotBefore: now.Add(-time.Minute), ExpiresAt: now.Add(ttl)})
}

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cartwright-agent/cartwright/agent"
	"github.com/cartwright-agent/cartwright/agent/audit"
	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/skills"
)

var ordersCommand = command{
	Summary: "list orders, or refund / cancel one",
	Run:     runOrders,
}

const ordersAbout = `Orders are what sessions bought.

  orders list                      every order of --user, newest first
  orders refund ORDER [--amount X] return X (default: all that is left) to the wallet
  orders cancel ORDER              cancel a completed order: a full refund
  orders evidence ORDER [--out DIR] write the dispute evidence of an order:
                                   evidence-ORDER.json (verify it offline with
                                   cartwright audit verify --bundle FILE) and a
                                   readable evidence-ORDER.html

A refund asks the merchant first; the wallet is credited only with what the
merchant refunded. Repeating a refund that was interrupted is safe: the same
request (same idempotency key) is replayed, never paid twice. Merchants must
still know the order: the in-process demo world starts afresh on each run, so
refund there within the same world (cartwright merchants serve + --merchant).`

// orderRef is an order and where it came from.
type orderRef struct {
	Session string       `json:"session"`
	At      time.Time    `json:"at"`
	Order   skills.Order `json:"order"`
}

func runOrders(ctx context.Context, s *stdio, args []string) int {
	var rf runtimeFlags
	var asJSON bool
	var amount, reason string
	fs := newFlags("orders", "orders list | refund ORDER | cancel ORDER [flags]", ordersAbout, helpOut(s, args))
	rf.register(fs)
	fs.BoolVar(&asJSON, "json", false, "print JSON (for machines)")
	fs.StringVar(&amount, "amount", "", "refund: amount in major units (default: everything not yet refunded)")
	fs.StringVar(&reason, "reason", "requested by the user", "refund/cancel: reason given to the merchant")
	var outDir string
	fs.StringVar(&outDir, "out", ".", "evidence: directory to write the bundle to")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(s, fs, err)
	}
	switch {
	case len(pos) == 1 && pos[0] == "list":
	case len(pos) == 2 && (pos[0] == "refund" || pos[0] == "cancel" || pos[0] == "evidence"):
	default:
		return usageError(s, fs, errors.New("want: list, refund ORDER, cancel ORDER or evidence ORDER"))
	}
	if pos[0] == "cancel" && amount != "" {
		return usageError(s, fs, errors.New("cancel refunds everything: --amount is for refund"))
	}
	rt, err := buildRuntime(ctx, s, &rf, agent.Config{})
	if err != nil {
		return errorf(s, "%v", err)
	}
	defer rt.Close()
	orders, err := listOrders(ctx, rt.agent, rf.user)
	if err != nil {
		return errorf(s, "%v", err)
	}
	if pos[0] == "list" {
		if err := withLedger(ctx, rt.wallet, orders); err != nil {
			return errorf(s, "%v", err)
		}
		if asJSON {
			return writeJSON(s, orders)
		}
		tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ORDER\tMERCHANT\tTOTAL\tREFUNDED\tSTATUS\tSESSION\tDATE")
		for _, o := range orders {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", esc(o.Order.ID), esc(o.Order.Merchant), o.Order.Total, o.Order.Refunded, esc(o.Order.Status), o.Session, o.At.Format("2006-01-02 15:04"))
		}
		tw.Flush()
		return 0
	}
	var ref *orderRef
	for i := range orders {
		if orders[i].Order.ID == pos[1] {
			ref = &orders[i]
		}
	}
	if ref == nil {
		return errorf(s, "no order %q among user %q's sessions (see: cartwright orders list)", pos[1], rf.user)
	}
	if pos[0] == "evidence" {
		b, err := buildBundle(ctx, rt, *ref)
		if err != nil {
			return errorf(s, "evidence %s: %v", esc(ref.Order.ID), err)
		}
		jp, hp, err := writeBundle(outDir, b)
		if err != nil {
			return errorf(s, "evidence %s: %v", esc(ref.Order.ID), err)
		}
		if asJSON {
			return writeJSON(s, map[string]any{"json": jp, "html": hp, "verified": b.Verified})
		}
		fmt.Fprintf(s.out, "Evidence of order %s written:\n  %s\n  %s\nChecked:\n", esc(ref.Order.ID), jp, hp)
		for _, v := range b.Verified {
			fmt.Fprintf(s.out, "  - %s\n", esc(v))
		}
		return 0
	}
	m, err := rt.cfg.Registry.Get(ref.Order.Merchant)
	if err != nil {
		return errorf(s, "%v", err)
	}
	if pos[0] == "cancel" {
		reason = "canceled: " + reason
	}
	auditLog := func(kind string, data any) {} // the runtime's auditor, when it has one
	if rt.cfg.Audit != nil {
		auditLog = func(kind string, data any) { _ = rt.cfg.Audit.Record(ctx, ref.Session, kind, data) }
	}
	got, err := refundOrder(ctx, m, rt.wallet, *ref, amount, reason, pos[0] == "cancel")
	if err != nil {
		auditLog(audit.KindError, map[string]any{"action": pos[0], "order": ref.Order.ID, "error": err.Error()})
		return errorf(s, "%s %s: %v", pos[0], ref.Order.ID, err)
	}
	auditLog(audit.KindRefund, map[string]any{"action": pos[0], "order": ref.Order.ID, "refund": got})
	if asJSON {
		return writeJSON(s, got)
	}
	fmt.Fprintf(s.out, "Refunded %s for order %s at %s (refund %s); the wallet is credited.\n", got.Amount, esc(ref.Order.ID), esc(ref.Order.Merchant), esc(got.ID))
	return 0
}

// listOrders collects the orders of a user's sessions, newest first.
func listOrders(ctx context.Context, a *agent.Agent, user string) ([]orderRef, error) {
	sessions, err := a.Sessions(ctx, user, 1000)
	if err != nil {
		return nil, err
	}
	var out []orderRef
	for _, ss := range sessions {
		res, err := a.Session(ctx, ss.ID)
		if err != nil {
			return nil, err
		}
		for _, o := range res.Orders {
			out = append(out, orderRef{Session: ss.ID, At: ss.CreatedAt, Order: o})
		}
	}
	return out, nil
}

// refundOrder refunds an order at the merchant, then credits the wallet
// hold that paid for it with what the merchant refunded. The idempotency
// key is derived from the order, what the wallet already refunded and the
// amount: a retry after a crash between the two steps replays the
// merchant's refund and completes the wallet's.
//
// A cancel is a full refund recorded under a "cli-cancel/" key, which is how
// orders list tells a canceled order from a refunded one.
func refundOrder(ctx context.Context, m skills.Merchant, w *wallet.Wallet, ref orderRef, amount, reason string, cancel bool) (*skills.Refund, error) {
	hold, err := holdForOrder(ctx, w, ref)
	if err != nil {
		return nil, err
	}
	left := hold.Captured.Minor - hold.Refunded.Minor
	amt := skills.M(left, hold.Captured.Currency)
	if amount != "" {
		if amt, err = skills.ParseMoney(amount, hold.Captured.Currency); err != nil {
			return nil, fmt.Errorf("--amount: %w", err)
		}
		if amt.Minor <= 0 || amt.Minor > left {
			return nil, fmt.Errorf("--amount %s: must be positive and at most the %s not yet refunded", amt, skills.M(left, amt.Currency))
		}
	}
	if left <= 0 {
		return nil, fmt.Errorf("order %s is already fully refunded", ref.Order.ID)
	}
	kind := "cli-refund"
	if cancel {
		kind = cancelKeyPrefix
	}
	key := fmt.Sprintf("%s/%s/%d/%d", kind, ref.Order.ID, hold.Refunded.Minor, amt.Minor)
	r, err := m.Refund(ctx, skills.RefundRequest{OrderID: ref.Order.ID, Amount: amt, Reason: reason, IdempotencyKey: key})
	if errors.Is(err, skills.ErrNotFound) {
		return nil, fmt.Errorf("merchant %s does not know order %s (an in-process demo world starts afresh each run): %w", ref.Order.Merchant, ref.Order.ID, err)
	}
	if err != nil {
		return nil, err
	}
	got := r.Amount
	if got.Minor == 0 || got.Minor > left {
		got = amt
	}
	if err := w.Refund(ctx, key, hold.ID, got); err != nil {
		return nil, fmt.Errorf("merchant refunded %s but the wallet credit failed (repeat the command to finish): %w", got, err)
	}
	return r, nil
}

const cancelKeyPrefix = "cli-cancel"

// Order statuses as the merchants report them after a refund or cancel.
const (
	orderRefunded = "refunded"
	orderCanceled = "canceled"
)

// withLedger brings the orders (as their sessions recorded them at
// purchase) up to date with the wallet ledger: the amount refunded on the
// hold that paid each, and the status that follows — "canceled" after
// orders cancel, "refunded" once refunded in full; a partly refunded order
// keeps its status (as at the merchant) and shows the amount.
func withLedger(ctx context.Context, w *wallet.Wallet, orders []orderRef) error {
	if w == nil || len(orders) == 0 {
		return nil
	}
	holds, err := w.Holds(ctx)
	if err != nil {
		return err
	}
	byMemo := map[string]wallet.Hold{}
	for _, h := range holds {
		if h.Status == wallet.HoldCaptured {
			byMemo[h.Memo] = h
		}
	}
	lines, err := w.Statement(ctx)
	if err != nil {
		return err
	}
	canceled := map[string]bool{} // hold id → refunded by a cancel
	for _, l := range lines {
		if l.Kind == wallet.KindRefund && strings.HasPrefix(l.Key, cancelKeyPrefix+"/") {
			canceled[l.HoldID] = true
		}
	}
	for i := range orders {
		o := &orders[i].Order
		h, ok := byMemo[holdMemo(orders[i])]
		if !ok || h.Refunded.Currency != o.Total.Currency {
			continue
		}
		o.Refunded = h.Refunded
		switch {
		case h.Refunded.Minor == 0:
		case canceled[h.ID]:
			o.Status = orderCanceled
		case h.Refunded.Minor >= h.Captured.Minor:
			o.Status = orderRefunded
		}
	}
	return nil
}

// holdMemo is the memo the runtime gives the hold that pays an order.
func holdMemo(ref orderRef) string {
	return fmt.Sprintf("session %s: %s quote %s", ref.Session, ref.Order.Merchant, ref.Order.QuoteID)
}

// holdForOrder finds the captured wallet hold that paid an order (the
// runtime's hold memo names the session, merchant and checkout session).
func holdForOrder(ctx context.Context, w *wallet.Wallet, ref orderRef) (wallet.Hold, error) {
	holds, err := w.Holds(ctx)
	if err != nil {
		return wallet.Hold{}, err
	}
	memo := holdMemo(ref)
	for _, h := range holds {
		if h.Memo == memo && h.Status == wallet.HoldCaptured {
			return h, nil
		}
	}
	return wallet.Hold{}, fmt.Errorf("no captured wallet payment found for order %s (session %s)", ref.Order.ID, ref.Session)
}

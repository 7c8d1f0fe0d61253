package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cartwright-agent/cartwright/agent/audit"
	"github.com/cartwright-agent/cartwright/agent/wallet"
	"github.com/cartwright-agent/cartwright/skills"
	"github.com/cartwright-agent/cartwright/skills/store"
)

var walletCommand = command{
	Summary: "show, top up or list the agent's spending wallet",
	Run:     runWallet,
}

const walletAbout = `The agent's wallet is a separate, prepaid balance: the agent spends only
what is on it, within its per-transaction and per-day limits.

  wallet show                 balance, limits and open holds
  wallet topup AMOUNT         move AMOUNT (major units, e.g. 200.00) onto the wallet;
                              no balance may exceed 10^15 minor units
                              (¥10,000,000,000,000.00), larger top-ups are refused
  wallet statement            every movement with running balances
  wallet limits               set --per-tx and --per-day ("0" removes a limit)`

func runWallet(ctx context.Context, s *stdio, args []string) int {
	var f authFlags
	var currency, key, memo, perTx, perDay string
	fs := newFlags("wallet", "wallet show | topup AMOUNT | statement | limits [flags]", walletAbout, helpOut(s, args))
	f.register(fs)
	fs.StringVar(&currency, "currency", "", "wallet currency (default: the user's only wallet)")
	fs.StringVar(&key, "key", "", "topup: idempotency key (a repeated command with the same key loads once; default: a new key)")
	fs.StringVar(&memo, "memo", "top-up", "topup: note on the statement")
	fs.StringVar(&perTx, "per-tx", "", "limits: most one payment may take")
	fs.StringVar(&perDay, "per-day", "", "limits: most the agent may spend per day")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return usageError(s, fs, err)
	}
	if len(pos) == 0 {
		return usageError(s, fs, errors.New("want a subcommand: show, topup, statement or limits"))
	}
	sub, rest := pos[0], pos[1:]
	switch {
	case sub == "topup" && len(rest) != 1:
		return usageError(s, fs, errors.New("topup takes one AMOUNT"))
	case sub != "topup" && len(rest) != 0:
		return usageError(s, fs, fmt.Errorf("%s takes no arguments", sub))
	case sub != "show" && sub != "topup" && sub != "statement" && sub != "limits":
		return usageError(s, fs, fmt.Errorf("unknown subcommand %q", sub))
	}
	db, a, err := openAuth(ctx, s, &f)
	if err != nil {
		return errorf(s, "%v", err)
	}
	defer db.Close()
	w, err := userWallet(ctx, db, f.user, currency, sub == "topup")
	if err != nil {
		return errorf(s, "%v", err)
	}
	switch sub {
	case "show":
		b, err := w.Balance(ctx)
		if err != nil {
			return errorf(s, "%v", err)
		}
		holds, err := w.OpenHolds(ctx)
		if err != nil {
			return errorf(s, "%v", err)
		}
		if f.json {
			return writeJSON(s, map[string]any{"wallet": w.ID(), "balance": b, "open_holds": holds})
		}
		fmt.Fprintf(s.out, "Wallet %s\n  available   %s\n  on hold     %s\n  spent       %s\n  loaded      %s\n", w.ID(), b.Available, b.Held, b.Spent, b.Funded)
		fmt.Fprintf(s.out, "  per payment %s\n  per day     %s\n", limitText(b.PerTransaction), limitText(b.PerDay))
		for _, h := range holds {
			fmt.Fprintf(s.out, "  open hold %s %s since %s: %s\n", h.ID, h.Amount, h.CreatedAt.Format(time.RFC3339), h.Memo)
		}
	case "topup":
		amt, err := skills.ParseMoney(rest[0], w.Currency())
		if err != nil {
			return errorf(s, "topup: %v", err)
		}
		if key == "" {
			key = skills.NewID("cli-topup:", 8)
		}
		if err := w.TopUp(ctx, key, amt, memo); err != nil {
			return errorf(s, "topup: %v", err)
		}
		_ = a.Audit.Record(ctx, "wallet", audit.KindPayment, map[string]any{"action": "topup", "wallet": w.ID(), "amount": amt, "key": key})
		b, err := w.Balance(ctx)
		if err != nil {
			return errorf(s, "topup: loaded %s, but reading the balance failed: %v", amt, err)
		}
		if f.json {
			return writeJSON(s, map[string]any{"wallet": w.ID(), "topped_up": amt, "key": key, "balance": b})
		}
		fmt.Fprintf(s.out, "Loaded %s onto %s: %s available.\n", amt, w.ID(), b.Available)
	case "statement":
		lines, err := w.Statement(ctx)
		if err != nil {
			return errorf(s, "%v", err)
		}
		if f.json {
			return writeJSON(s, lines)
		}
		tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "#\tTIME\tKIND\tAVAILABLE ±\tHELD ±\tAVAILABLE\tHELD\tMEMO\t")
		for _, l := range lines {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", l.Seq, l.Time.Format("2006-01-02 15:04:05"), l.Kind, l.Available, l.Held, l.AvailableAfter, l.HeldAfter, l.Memo)
		}
		tw.Flush()
	case "limits":
		if perTx == "" && perDay == "" {
			return usageError(s, fs, errors.New("limits needs --per-tx and/or --per-day"))
		}
		b, err := w.Balance(ctx)
		if err != nil {
			return errorf(s, "%v", err)
		}
		tx, day := b.PerTransaction, b.PerDay
		for _, l := range []struct {
			flag, v string
			dst     *skills.Money
		}{{"--per-tx", perTx, &tx}, {"--per-day", perDay, &day}} {
			if l.v == "" {
				continue
			}
			m, err := skills.ParseMoney(l.v, w.Currency())
			if err != nil {
				return usageError(s, fs, fmt.Errorf("%s %q: %v", l.flag, l.v, err))
			}
			if m.Minor < 0 {
				return usageError(s, fs, fmt.Errorf("%s %q: a limit cannot be negative (0 removes the limit)", l.flag, l.v))
			}
			*l.dst = m
		}
		if err := w.SetLimits(ctx, tx, day); err != nil {
			return errorf(s, "%v", err)
		}
		fmt.Fprintf(s.out, "Limits of %s: %s per payment, %s per day.\n", w.ID(), limitText(tx), limitText(day))
	}
	return 0
}

func limitText(m skills.Money) string {
	if m.Minor == 0 {
		return "no limit"
	}
	return m.String()
}

// userWallet finds the user's wallet (named <user>-<currency>, as the shop
// runtime names it); create makes it when --currency names a new one.
func userWallet(ctx context.Context, db *store.DB, user, currency string, create bool) (*wallet.Wallet, error) {
	if currency != "" {
		c, err := skills.ParseCurrency(currency)
		if err != nil {
			return nil, fmt.Errorf("--currency: %w", err)
		}
		id := user + "-" + strings.ToLower(string(c))
		if !create {
			if ws, err := wallet.List(ctx, db, id); err != nil {
				return nil, err
			} else if len(ws) == 0 || ws[0].ID != id {
				return nil, fmt.Errorf("user %q has no %s wallet (wallet topup --currency %s creates it)", user, c, c)
			}
		}
		return wallet.Open(ctx, wallet.Config{DB: db, ID: id, Currency: c})
	}
	ws, err := wallet.List(ctx, db, user+"-")
	if err != nil {
		return nil, err
	}
	switch len(ws) {
	case 0:
		return nil, fmt.Errorf("user %q has no wallet yet: run a shop first, or wallet topup --currency CNY AMOUNT", user)
	case 1:
		return wallet.Open(ctx, wallet.Config{DB: db, ID: ws[0].ID})
	}
	var cs []string
	for _, w := range ws {
		cs = append(cs, string(w.Currency))
	}
	return nil, fmt.Errorf("user %q has wallets in %s: choose one with --currency", user, strings.Join(cs, ", "))
}

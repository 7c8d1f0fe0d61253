package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cartwright-agent/cartwright/skills"
)

// Merchants' published info is kept in the state database as well as in
// memory, so a new process (each CLI run is one) does not ask every
// merchant again: a row younger than Config.InfoTTL is used as is, and only
// merchants without one are called. Each row keeps a version (sha256 of the
// info as stored) and the time it was fetched; a merchant that changed its
// rules within the TTL is still caught where it matters, when its quote
// differs from the prediction (the runtime re-plans then).
//
// Rows are scoped by Config.InfoScope, which names what the merchant ids
// refer to (the CLI uses a hash of the world definition): with no scope
// nothing is persisted. Only merchants registered under an id are served
// from the database: an unnamed merchant's id comes from its info, so it is
// always asked.

var infoMigrations = []string{
	`CREATE TABLE merchant_info (
		scope TEXT NOT NULL,
		id TEXT NOT NULL,
		info TEXT NOT NULL,
		version TEXT NOT NULL,
		fetched_at TEXT NOT NULL,
		PRIMARY KEY (scope, id))`,
}

// MigrateInfoCache creates the merchant info table.
func MigrateInfoCache(ctx context.Context, a *Agent) error {
	return a.db.Migrate(ctx, "agent_merchant_info", infoMigrations)
}

// storedInfos returns the persisted infos of ids fetched less than InfoTTL
// ago.
func (a *Agent) storedInfos(ctx context.Context, ids []string) map[string]skills.MerchantInfo {
	out := map[string]skills.MerchantInfo{}
	if len(ids) == 0 || a.cfg.InfoScope == "" {
		return out
	}
	rows, err := a.db.QueryContext(ctx, `SELECT id, info, fetched_at FROM merchant_info WHERE scope = $1`, a.cfg.InfoScope)
	if err != nil {
		a.log.Debug("merchant info cache unreadable", "err", err)
		return out
	}
	defer rows.Close()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	now := a.now()
	for rows.Next() {
		var id, body, at string
		if err := rows.Scan(&id, &body, &at); err != nil {
			return map[string]skills.MerchantInfo{}
		}
		t, err := time.Parse(tsLayout, at)
		if !want[id] || err != nil || now.Sub(t) >= a.cfg.InfoTTL || now.Before(t) {
			continue
		}
		var info skills.MerchantInfo
		if err := json.Unmarshal([]byte(body), &info); err != nil || info.ID != id || !info.Currency.Valid() {
			continue
		}
		out[id] = info
	}
	if rows.Err() != nil {
		return map[string]skills.MerchantInfo{}
	}
	return out
}

// storeInfos persists freshly fetched infos; a failure only costs the next
// process a call, so it is logged, not returned.
func (a *Agent) storeInfos(ctx context.Context, infos map[string]skills.MerchantInfo, at time.Time) {
	if a.cfg.InfoScope == "" {
		return
	}
	for id, info := range infos {
		b, err := json.Marshal(info)
		if err != nil {
			continue
		}
		sum := sha256.Sum256(b)
		if _, err := a.db.ExecContext(ctx, `INSERT INTO merchant_info (scope, id, info, version, fetched_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (scope, id) DO UPDATE SET info = excluded.info, version = excluded.version, fetched_at = excluded.fetched_at`,
			a.cfg.InfoScope, id, string(b), hex.EncodeToString(sum[:]), at.UTC().Format(tsLayout)); err != nil {
			a.log.Debug("merchant info not persisted", "merchant", id, "err", fmt.Sprint(err))
		}
	}
}

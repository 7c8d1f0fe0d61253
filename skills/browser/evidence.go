package browser

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cartwright-agent/cartwright/skills"
)

// Evidence is a screenshot the skill kept of a page the decision rested on:
// the cart page a quote was read from, the confirmation of an order.
type Evidence = skills.Evidence

// EvidenceSource is implemented by merchants that keep page evidence; the
// runtime asks for it by quote id after Quote and Complete.
type EvidenceSource = skills.EvidenceSource

var _ EvidenceSource = (*Merchant)(nil)

// WithSession names the agent session a call belongs to: its screenshots go
// under EvidenceDir/<session>/<merchant>/<quote id>/. It is skills.WithSession.
func WithSession(ctx context.Context, sessionID string) context.Context {
	return skills.WithSession(ctx, sessionID)
}

func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
	if s == "" || s == "." || s == ".." {
		s = "_"
	}
	return s
}

func (m *Merchant) evidenceDir(ctx context.Context, quoteID string) string {
	root := m.cfg.EvidenceDir
	if root == "" {
		root = filepath.Join(os.TempDir(), "cartwright-evidence")
	}
	parts := []string{root}
	if s := skills.SessionFrom(ctx); s != "" {
		parts = append(parts, safeName(s))
	}
	parts = append(parts, safeName(m.cfg.ID), safeName(quoteID))
	return filepath.Join(parts...)
}

// capture saves a full-page PNG of the current page as evidence.
func (m *Merchant) capture(p *page, dir, kind, quoteID, orderID string) error {
	png, err := p.screenshot()
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	name := kind + ".png"
	if kind == "quote" {
		name = fmt.Sprintf("quote-%s.png", time.Now().UTC().Format("150405.000000"))
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o640); err != nil {
		return err
	}
	sum := sha256.Sum256(png)
	ev := Evidence{Kind: kind, QuoteID: quoteID, OrderID: orderID, URL: p.url(), Path: path, SHA256: hex.EncodeToString(sum[:]), TakenAt: time.Now().UTC()}
	m.mu.Lock()
	m.evidence[quoteID] = append(m.evidence[quoteID], ev)
	m.mu.Unlock()
	return nil
}

// Evidence returns the screenshots kept for a quote (and its order).
func (m *Merchant) Evidence(quoteID string) []Evidence {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Evidence(nil), m.evidence[quoteID]...)
}

// Close closes the tabs of quotes still open. The Browser stays up.
func (m *Merchant) Close() error {
	m.mu.Lock()
	ss := m.sessions
	m.sessions = map[string]*session{}
	m.mu.Unlock()
	for _, s := range ss {
		s.cancel()
	}
	return nil
}

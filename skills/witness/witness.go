// Package witness is the wire format and client of audit-log witnessing:
// at every payment the agent shows the payment network the head of its
// audit log (the last entry's sequence number and hash) and the network
// countersigns it with its own key and returns the countersignature
// (the design of certificate-transparency witnesses and AP2 receipts). The
// agent stores it beside its log; whoever later rewrites or truncates the
// log — even holding the agent's key — cannot make the network's
// signatures match the new history.
//
// The network keeps, per agent key, the highest head it witnessed: a head
// with a lower sequence number (a rolled-back log) or the same number with
// another hash (a forked log) is refused with ErrConflict.
package witness

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Path is the network's witness route.
const Path = "/witness/heads"

// Request is the head shown to the network.
type Request struct {
	AgentKey string `json:"agent_key"` // "ed25519:" + base64url
	Seq      int64  `json:"seq"`       // the last entry's id
	Hash     string `json:"hash"`      // the last entry's hash (hex)
}

// Countersignature is the network's signed statement that it saw the head.
type Countersignature struct {
	Request
	WitnessedAt time.Time `json:"witnessed_at"`
	NetworkKey  string    `json:"network_key"` // "ed25519:" + base64url
	Signature   string    `json:"signature"`   // base64url over Bytes()
}

// ErrConflict: the network witnessed a later or different head for this
// agent key before: the log was rolled back or forked.
var ErrConflict = errors.New("witness: the network witnessed a different history for this agent")

// KeyString names a public key as the audit log and mandates do.
func KeyString(pub ed25519.PublicKey) string {
	return "ed25519:" + base64.RawURLEncoding.EncodeToString(pub)
}

// ParseKey reads a KeyString.
func ParseKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s, "ed25519:"))
	if !strings.HasPrefix(s, "ed25519:") || err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("witness: %q is not an ed25519 public key", s)
	}
	return ed25519.PublicKey(b), nil
}

// Bytes is what the network signs.
func (c Countersignature) Bytes() []byte {
	return []byte("cartwright-witness/v1\n" + c.AgentKey + "\n" + strconv.FormatInt(c.Seq, 10) + "\n" + c.Hash + "\n" +
		c.WitnessedAt.UTC().Format(time.RFC3339Nano) + "\n" + c.NetworkKey)
}

// Sign makes the countersignature of r with the network's key.
func Sign(key ed25519.PrivateKey, r Request, at time.Time) Countersignature {
	c := Countersignature{Request: r, WitnessedAt: at.UTC().Truncate(time.Microsecond), NetworkKey: KeyString(key.Public().(ed25519.PublicKey))}
	c.Signature = base64.RawURLEncoding.EncodeToString(ed25519.Sign(key, c.Bytes()))
	return c
}

// Verify checks the signature against the key the countersignature names;
// whether that key is trusted is the caller's question.
func (c Countersignature) Verify() error {
	pub, err := ParseKey(c.NetworkKey)
	if err != nil {
		return err
	}
	sig, err := base64.RawURLEncoding.DecodeString(c.Signature)
	if err != nil || !ed25519.Verify(pub, c.Bytes(), sig) {
		return errors.New("witness: the countersignature does not verify with the network key it names")
	}
	return nil
}

// Client asks a payment network to witness heads over HTTP.
type Client struct {
	BaseURL    string
	HTTPClient *http.Client
}

// Witness shows the network a head and returns its countersignature,
// checked. The request is idempotent by nature (the same head gets a
// countersignature again); its Idempotency-Key is derived from the head.
func (c *Client) Witness(ctx context.Context, r Request) (Countersignature, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return Countersignature{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.BaseURL, "/")+Path, bytes.NewReader(body))
	if err != nil {
		return Countersignature{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "witness/"+r.AgentKey+"/"+strconv.FormatInt(r.Seq, 10)+"/"+r.Hash)
	hc := c.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Countersignature{}, fmt.Errorf("witness: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusConflict {
		return Countersignature{}, fmt.Errorf("%w: %s", ErrConflict, bytes.TrimSpace(b))
	}
	if resp.StatusCode/100 != 2 {
		return Countersignature{}, fmt.Errorf("witness: HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	var cs Countersignature
	if err := json.Unmarshal(b, &cs); err != nil {
		return Countersignature{}, fmt.Errorf("witness: undecodable answer: %w", err)
	}
	if cs.Request != r {
		return Countersignature{}, errors.New("witness: the network countersigned another head than the one shown")
	}
	if err := cs.Verify(); err != nil {
		return Countersignature{}, err
	}
	return cs, nil
}

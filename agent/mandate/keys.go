package mandate

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Key roles in the state directory.
const (
	RoleUser  = "user"
	RoleAgent = "agent"
)

// PublicKeyString encodes a public key as "ed25519:" + base64url (no padding).
func PublicKeyString(pub ed25519.PublicKey) string {
	return "ed25519:" + base64.RawURLEncoding.EncodeToString(pub)
}

// ParsePublicKey decodes PublicKeyString's form.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	rest, ok := strings.CutPrefix(s, "ed25519:")
	if !ok {
		return nil, fmt.Errorf("public key %q: want the form ed25519:<base64url>", abbreviate(s))
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public key %q: not a %d-byte base64url ed25519 key", abbreviate(s), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

var keyName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

// KeyPath is where the private key named name lives in the key directory
// dir: dir/<name>.ed25519 (dir itself, no subdirectory).
func KeyPath(dir, name string) string {
	return filepath.Join(dir, name+".ed25519")
}

// ErrKeyElsewhere: a key directory holds no such key but its "keys"
// subdirectory does (the layout older versions used for --keys DIR).
var ErrKeyElsewhere = errors.New("key is in a keys/ subdirectory")

// LoadOrCreateKey loads the private key name from dir, creating it (mode
// 0600, directory 0700) on first use. It refuses to create one when
// dir/keys holds that key (older versions read --keys DIR as DIR/keys):
// a new key would silently replace the one that signed earlier records.
func LoadOrCreateKey(dir, name string) (ed25519.PrivateKey, error) {
	k, err := LoadKey(dir, name)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if !keyName.MatchString(name) {
		return nil, fmt.Errorf("key name %q: use lower-case letters, digits, '_', '.', '-'", name)
	}
	if sub := filepath.Join(dir, "keys"); fileExists(KeyPath(sub, name)) {
		return nil, fmt.Errorf("%w: %s holds no %s key but %s does: give that directory (--keys %s)", ErrKeyElsewhere, dir, name, sub, sub)
	}
	return createKey(dir, name)
}

// KeyExists reports whether dir holds the key name.
func KeyExists(dir, name string) bool { return fileExists(KeyPath(dir, name)) }

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// createKey makes a new key file (mode 0600, directory 0700); a key created
// concurrently by another process is loaded instead.
func createKey(dir, name string) (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	path := KeyPath(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // created concurrently
		return LoadKey(dir, name)
	}
	if err != nil {
		return nil, err
	}
	enc := base64.StdEncoding.EncodeToString(priv.Seed())
	if _, err := f.WriteString(enc + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return priv, f.Close()
}

// LoadKey reads an existing private key; a key file readable by group or
// others is refused.
func LoadKey(dir, name string) (ed25519.PrivateKey, error) {
	path := KeyPath(dir, name)
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("key file %s has mode %04o: it must not be readable by others (chmod 600 %s)", path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("key file %s: not a base64 ed25519 seed", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

func abbreviate(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}

package llm

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
)

// recordEnv keeps the model settings the environment had before TestMain
// blanked them, for record mode (CARTWRIGHT_RECORD=1) only.
var recordEnv = map[string]string{}

// strayRequests counts requests that tried to leave loopback through
// http.DefaultTransport (for example a tokenizer download).
var strayRequests atomic.Int64

// TestMain blanks the OPENAI_* variables langchaingo would otherwise read,
// and makes http.DefaultTransport refuse anything but loopback, so no test
// can reach the network by accident.
func TestMain(m *testing.M) {
	for _, k := range []string{EnvAPIKey, EnvBaseURL, EnvModel, EnvOrg, EnvMode, "OPENAI_API_BASE", "OPENAI_MODEL", "CARTWRIGHT_RECORD_AGAINST"} {
		recordEnv[k] = os.Getenv(k)
		os.Unsetenv(k)
	}
	real := http.DefaultTransport
	http.DefaultTransport = loopbackOnly{real}
	os.Exit(m.Run())
}

type loopbackOnly struct{ next http.RoundTripper }

func (l loopbackOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	host := r.URL.Hostname()
	if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || host == "localhost" {
		return l.next.RoundTrip(r)
	}
	if os.Getenv("CARTWRIGHT_RECORD") == "1" && recordEnv[EnvAPIKey] != "" {
		return l.next.RoundTrip(r) // recording against a real endpoint
	}
	strayRequests.Add(1)
	return nil, errors.New(fmt.Sprint("test network guard: request to ", r.URL.Host, " refused"))
}

func TestNetworkGuardRefusesNonLoopback(t *testing.T) {
	before := strayRequests.Load()
	resp, err := http.Get("http://example.invalid/")
	if err == nil {
		resp.Body.Close()
		t.Fatal("request to a non-loopback host went through")
	}
	if strayRequests.Load() != before+1 {
		t.Fatal("guard did not count the refused request")
	}
}

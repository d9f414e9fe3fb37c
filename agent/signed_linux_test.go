package agent_test

// Signed school policies (agent/signed.go, DESIGN.md §7), over the real
// API: root in this process is the administrator; a parent is another
// uid holding a PIN token, in a helper process (the kernel says who calls).

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/agent/internal/ostest"
	"github.com/kidtime/kidtime/rules"
)

// The parent helper: the test binary, run as another uid, logs in with the
// PIN and sends the requests of $KT_SIGNED_REQS, printing each answer.
const (
	parentHelperEnv = "KT_SIGNED_PARENT"
	parentReqsEnv   = "KT_SIGNED_REQS"
)

func init() {
	// Runs before TestMain: the helper never reaches the tests.
	if socket := os.Getenv(parentHelperEnv); socket != "" {
		os.Exit(parentHelper(socket, os.Getenv(parentReqsEnv)))
	}
}

type rawReq struct {
	Method, Path string
	Body         []byte
}

type rawResp struct {
	Status int
	Err    apitype.Error
}

func parentHelper(socket, reqs string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := &client.Client{Socket: socket}
	lr, err := c.Login(ctx, "246810")
	if err != nil {
		fmt.Fprintln(os.Stderr, "parent login:", err)
		return 1
	}
	var rs []rawReq
	if err := json.Unmarshal([]byte(reqs), &rs); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var out []rawResp
	for _, r := range rs {
		status, e, err := call(ctx, socket, lr.Token, r)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		out = append(out, rawResp{status, e})
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
	return 0
}

// call sends one request as it is (a signed policy must reach the daemon
// byte for byte).
func call(ctx context.Context, socket, token string, r rawReq) (int, apitype.Error, error) {
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", socket)
	}}}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, r.Method, "http://kidtimed.local"+r.Path, bytes.NewReader(r.Body))
	if err != nil {
		return 0, apitype.Error{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, apitype.Error{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e apitype.Error
	if resp.StatusCode/100 != 2 {
		_ = json.Unmarshal(b, &e)
	}
	return resp.StatusCode, e, nil
}

// asAdmin sends one request from this process (root: the admin role).
func (w *world) asAdmin(r rawReq) rawResp {
	w.t.Helper()
	status, e, err := call(ctxT(w.t), w.socket, "", r)
	if err != nil {
		w.t.Fatalf("%s %s: %v", r.Method, r.Path, err)
	}
	return rawResp{status, e}
}

// asParent sends requests from another uid holding a parent token.
func (w *world) asParent(reqs ...rawReq) []rawResp {
	t := w.t
	t.Helper()
	ostest.NeedRoot(t)
	uid := parentUID(t, w.kid)
	b, _ := json.Marshal(reqs)
	out, errb, code := ostest.RunAs(t, uid, uid, ostest.HelperBinary(t, w.dir), parentHelperEnv+"="+w.socket, parentReqsEnv+"="+string(b), "HOME="+w.dir)
	if code != 0 {
		t.Fatalf("parent helper as uid %d: exit %d\n%s", uid, code, errb)
	}
	var rs []rawResp
	if err := json.Unmarshal(out, &rs); err != nil || len(rs) != len(reqs) {
		t.Fatalf("parent helper answered %q: %v", out, err)
	}
	return rs
}

// parentUID is the uid of an account that is neither the child's nor an
// administrator: "nobody" (a parent's events and policy versions name
// the account, so it must have a name).
func parentUID(t testing.TB, kid uint32) uint32 {
	t.Helper()
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no account nobody to act as a parent: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	if uint32(uid) == kid || uid == 0 {
		t.Skipf("nobody has uid %d", uid)
	}
	return uint32(uid)
}

func schoolKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

func keyID(k ed25519.PrivateKey) string { return rules.KeyID(k.Public().(ed25519.PublicKey)) }

// schoolPolicy is An's policy with a screen budget, signed by key at a
// date (or plain when key is nil).
func schoolPolicy(t *testing.T, screen string, key ed25519.PrivateKey, at time.Time) []byte {
	t.Helper()
	p := fmt.Appendf(nil, `{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["kid"],"screen":{"daily":%q}}]}`, time.Now().Year()-11, screen)
	if key == nil {
		return p
	}
	env, err := rules.Sign(p, key, at)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func putPolicy(body []byte, rekey bool) rawReq {
	path := apitype.RoutePolicy
	if rekey {
		path += "?rekey=1"
	}
	return rawReq{http.MethodPut, path, body}
}

func wantRefused(t *testing.T, sentence string, got rawResp, inErr string) {
	t.Helper()
	if got.Status != http.StatusForbidden || got.Err.Code != apitype.CodeNotAllowed || !strings.Contains(got.Err.Error, inErr) {
		t.Errorf("%s: %d %+v; want 403 not_allowed mentioning %q", sentence, got.Status, got.Err, inErr)
	}
}

func wantOK(t *testing.T, sentence string, got rawResp) {
	t.Helper()
	if got.Status != http.StatusOK {
		t.Errorf("%s: %d %+v; want 200", sentence, got.Status, got.Err)
	}
}

func schoolKeyOf(t *testing.T, c *client.Client) string {
	t.Helper()
	st, err := c.Status(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	return st.SchoolKey
}

func screenLimit(t *testing.T, c *client.Client) string {
	t.Helper()
	spec, err := c.ChildPolicy(ctxT(t), "An")
	if err != nil {
		t.Fatal(err)
	}
	if spec.Screen == nil || spec.Screen.Daily == nil {
		return ""
	}
	return spec.Screen.Daily.String()
}

func TestSignedPolicyLifecycle(t *testing.T) {
	w := newWorld(t)
	c, stop := w.start()
	setUp(t, c)
	keyA, keyB := schoolKey(1), schoolKey(2)
	t1 := time.Now().Add(-48 * time.Hour)
	t2 := t1.Add(24 * time.Hour)

	if id := schoolKeyOf(t, c); id != "" {
		t.Fatalf("a fresh agent follows school key %q", id)
	}

	// A parent cannot be the one to put the computer under a school key.
	wantRefused(t, "a parent's first signed import", w.asParent(putPolicy(schoolPolicy(t, "1h", keyA, t1), false))[0], "administrator")
	if id := schoolKeyOf(t, c); id != "" {
		t.Fatalf("a parent's refused import left school key %q", id)
	}

	// The administrator's first signed import: its key is trusted.
	wantOK(t, "the admin's first signed import", w.asAdmin(putPolicy(schoolPolicy(t, "1h", keyA, t1), false)))
	if id := schoolKeyOf(t, c); id != keyID(keyA) {
		t.Fatalf("status schoolKey %q after a signed import; want %s", id, keyID(keyA))
	}
	if got := screenLimit(t, c); got != "1h" {
		t.Errorf("An's screen budget %q after the signed import; want 1h", got)
	}
	evs := eventsOf(t, c, "policy_signed")
	if len(evs) != 1 || evs[0].Detail["keyId"] != keyID(keyA) || evs[0].Detail["trusted"] != "first" || evs[0].Detail["signedAt"] == nil {
		t.Errorf("policy_signed events %+v; want one, first trust of %s with signedAt", evs, keyID(keyA))
	}

	// Afterwards: unsigned, or another key, is refused even to an admin,
	// and each refusal is a tamper event.
	wantRefused(t, "an unsigned import by the admin", w.asAdmin(putPolicy(schoolPolicy(t, "5h", nil, t1), false)), keyID(keyA))
	wantRefused(t, "a policy signed by another key", w.asAdmin(putPolicy(schoolPolicy(t, "5h", keyB, t2), false)), "--rekey")
	forged := editSigned(t, schoolPolicy(t, "1h", keyA, t2), func(m map[string]any) { m["signedAt"] = time.Now().Add(time.Hour).UTC().Format(time.RFC3339) })
	wantRefused(t, "a signature that does not verify", w.asAdmin(putPolicy(forged, false)), "signedPolicy.signature")
	if got := w.asAdmin(putPolicy([]byte(`{"signedPolicy":{"version":1}}`), false)); got.Status != http.StatusBadRequest || !strings.HasPrefix(got.Err.Field, "signedPolicy.") {
		t.Errorf("a malformed envelope: %d %+v; want 400 naming a signedPolicy field", got.Status, got.Err)
	}
	if got := screenLimit(t, c); got != "1h" {
		t.Errorf("An's screen budget %q after refused imports; want 1h still", got)
	}
	refused := eventsOf(t, c, "policy_refused")
	if len(refused) != 3 {
		t.Errorf("%d policy_refused events after 3 refusals: %+v", len(refused), refused)
	}
	for _, e := range refused {
		if !e.Tamper {
			t.Errorf("policy_refused is not a tamper signal: %+v", e)
		}
	}

	// A parent: no per-child edits, no rekey, no replay of an older
	// policy; the school's newer signed policy and grants are fine.
	year := time.Now().Year() - 9
	w.users.Add("binh", w.kid+700, false)
	spec, _ := json.Marshal(rules.Child{Name: "An", BirthYear: time.Now().Year() - 11, Accounts: []string{"kid"}, Profile: rules.Profile{Screen: &rules.BudgetSpec{Daily: ptr(rules.Duration(5 * time.Hour))}}})
	add, _ := json.Marshal(apitype.AddChildRequest{Name: "Binh", BirthYear: year, Accounts: []string{"binh"}})
	grant, _ := json.Marshal(apitype.GrantRequest{Child: "An", Kind: apitype.KindScreen, AddSec: 600})
	rs := w.asParent(
		rawReq{http.MethodPut, apitype.RouteChild + "An/policy", spec},
		rawReq{http.MethodPost, apitype.RouteChildren, add},
		putPolicy(schoolPolicy(t, "2h", keyB, t2), true),
		putPolicy(schoolPolicy(t, "90m", keyA, t2), false),
		putPolicy(schoolPolicy(t, "5h", keyA, t1), false),
		rawReq{http.MethodPost, apitype.RouteGrant, grant},
	)
	teacher := fmt.Sprintf("this computer follows a school policy signed by key %s; ask the school's IT teacher", keyID(keyA))
	wantRefused(t, "a parent editing a child's rules", rs[0], teacher)
	wantRefused(t, "a parent adding a child", rs[1], teacher)
	wantRefused(t, "a parent changing the school key", rs[2], "only an administrator")
	wantOK(t, "a parent applying the school's newer signed policy", rs[3])
	wantRefused(t, "a parent replaying an older signed policy", rs[4], "older policy")
	wantOK(t, "a parent's grant (day-to-day, not policy)", rs[5])
	if got := screenLimit(t, c); got != "1h30m" {
		t.Errorf("An's screen budget %q; want 1h30m from the school's newer policy", got)
	}
	if n := len(eventsOf(t, c, "policy_refused")); n != 3+4 {
		t.Errorf("%d policy_refused events; want 7 (3 + the parent's 4)", n)
	}

	// The administrator may still edit a child's rules.
	var s rules.Child
	_ = json.Unmarshal(spec, &s)
	s.Screen.Daily = ptr(rules.Duration(100 * time.Minute))
	if err := c.SetChildPolicy(ctxT(t), "An", s); err != nil {
		t.Errorf("the admin editing a child's rules: %v", err)
	}

	// Rekey: the admin, explicitly, with a policy the new key signed.
	wantOK(t, "the admin's rekey", w.asAdmin(putPolicy(schoolPolicy(t, "2h", keyB, t1), true)))
	if id := schoolKeyOf(t, c); id != keyID(keyB) {
		t.Fatalf("status schoolKey %q after the rekey; want %s", id, keyID(keyB))
	}
	evs = eventsOf(t, c, "policy_signed")
	last := evs[len(evs)-1]
	if len(evs) != 3 || last.Detail["trusted"] != "rekey" || last.Detail["previousKeyId"] != keyID(keyA) || last.Detail["keyId"] != keyID(keyB) {
		t.Errorf("policy_signed events %+v; want 3, the last a rekey from %s to %s", evs, keyID(keyA), keyID(keyB))
	}
	wantRefused(t, "the old key after the rekey", w.asAdmin(putPolicy(schoolPolicy(t, "5h", keyA, time.Now()), false)), keyID(keyB))

	// The trusted key survives a restart.
	stop()
	c, _ = w.start()
	if id := schoolKeyOf(t, c); id != keyID(keyB) {
		t.Errorf("after a restart the school key is %q; want %s", id, keyID(keyB))
	}
	wantRefused(t, "an unsigned import after a restart", w.asAdmin(putPolicy(schoolPolicy(t, "5h", nil, t1), false)), keyID(keyB))
}

func ptr[T any](v T) *T { return &v }

// editSigned changes a field of a signed envelope (leaving its signature).
func editSigned(t *testing.T, env []byte, edit func(map[string]any)) []byte {
	t.Helper()
	var e map[string]map[string]any
	if err := json.Unmarshal(env, &e); err != nil {
		t.Fatal(err)
	}
	edit(e["signedPolicy"])
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The installer's --policy: a signed preset makes its key trusted at the
// first start; a preset whose signature does not verify is not applied.
func TestSignedPresetPolicy(t *testing.T) {
	key := schoolKey(3)
	for _, tc := range []struct {
		sentence string
		tamper   bool
	}{{"a signed preset is trusted on first install", false}, {"a forged preset is rejected", true}} {
		t.Run(tc.sentence, func(t *testing.T) {
			w := newWorld(t)
			env := schoolPolicy(t, "45m", key, time.Now())
			if tc.tamper {
				env = editSigned(t, env, func(m map[string]any) { m["signedAt"] = "2030-01-01T00:00:00Z" })
			}
			path := filepath.Join(t.TempDir(), "policy.json")
			if err := os.WriteFile(path, env, 0o600); err != nil {
				t.Fatal(err)
			}
			c := startPreset(t, w, path)
			id := schoolKeyOf(t, c)
			children, _ := c.Children(ctxT(t))
			if tc.tamper {
				if id != "" || len(children) != 0 || len(eventsOf(t, c, "policy_rejected")) != 1 {
					t.Errorf("a forged preset: school key %q, %d children, %d policy_rejected; want none, none, one",
						id, len(children), len(eventsOf(t, c, "policy_rejected")))
				}
				return
			}
			if id != keyID(key) || len(children) != 1 {
				t.Fatalf("a signed preset: school key %q, children %+v; want %s and An", id, children, keyID(key))
			}
			if evs := eventsOf(t, c, "policy_signed"); len(evs) != 1 || evs[0].Detail["by"] != "installer" {
				t.Errorf("policy_signed events %+v; want one by the installer", evs)
			}
			wantRefused(t, "an unsigned import over the preset", w.asAdmin(putPolicy(schoolPolicy(t, "5h", nil, time.Now()), false)), keyID(key))
		})
	}
}

// startPreset runs an agent whose Config has the installer's --policy file.
func startPreset(t *testing.T, w *world, path string) *client.Client {
	t.Helper()
	a := agent.New(agent.Config{DataDir: w.data, Socket: w.socket, PolicyFile: path,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Tick:   50 * time.Millisecond, FlushEvery: 200 * time.Millisecond, ReconcileEvery: time.Second,
		HeartbeatTimeout: 5 * time.Second}, w.deps())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("agent Run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("agent did not stop within 20 s")
		}
	})
	select {
	case <-a.Ready():
	case err := <-done:
		t.Fatalf("agent stopped before it was ready: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("agent not ready after 20 s")
	}
	return &client.Client{Socket: w.socket, Timeout: 20 * time.Second}
}

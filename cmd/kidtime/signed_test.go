package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/rules"
)

const examplePolicy = "../../rules/testdata/example.json"

// keygen makes a key pair in a temporary folder and returns its prefix.
func keygen(t *testing.T) string {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "school")
	out, errs, code := runCLI(t, "", "--json", "policy", "keygen", "--out", prefix)
	if code != 0 {
		t.Fatalf("keygen: exit %d: %s", code, errs)
	}
	var got struct {
		KeyID string `json:"keyId"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got.KeyID) != 16 {
		t.Fatalf("keygen --json: %q (%v); want a 16-character key ID", out, err)
	}
	return prefix
}

func TestPolicyKeygen(t *testing.T) {
	prefix := keygen(t)
	kb, err := os.ReadFile(prefix + ".key")
	if err != nil {
		t.Fatal(err)
	}
	priv, err := rules.ParsePrivateKey(kb)
	if err != nil {
		t.Fatalf("the private key file does not read back: %v", err)
	}
	pb, _ := os.ReadFile(prefix + ".pub")
	pub, err := rules.ParsePublicKey(pb)
	if err != nil || !pub.Equal(priv.Public()) {
		t.Fatalf("the public key file is not the private key's: %v", err)
	}
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(prefix + ".key"); fi.Mode().Perm() != 0o600 {
			t.Errorf("the private key file is %v; want 0600", fi.Mode().Perm())
		}
	}
	// A second keygen on the same prefix never overwrites the school's key.
	_, errs, code := runCLI(t, "", "policy", "keygen", "--out", prefix)
	if code != 1 || !strings.Contains(errs, "never overwrites") {
		t.Errorf("keygen over an existing key: exit %d %q; want 1, refusing", code, errs)
	}
	if again, _ := os.ReadFile(prefix + ".key"); !bytes.Equal(again, kb) {
		t.Error("the private key changed")
	}
}

func TestPolicySignAndCheck(t *testing.T) {
	prefix := keygen(t)
	dir := t.TempDir()

	// To stdout by default: the envelope and nothing else.
	env, errs, code := runCLI(t, "", "policy", "sign", examplePolicy, "--key", prefix+".key")
	if code != 0 {
		t.Fatalf("sign: exit %d: %s", code, errs)
	}
	policy, pub, ok, err := rules.OpenSigned([]byte(env))
	if err != nil || !ok {
		t.Fatalf("the signed output does not open: ok %v, %v\n%s", ok, err, env)
	}
	orig, _ := os.ReadFile(examplePolicy)
	if !bytes.Equal(policy, orig) {
		t.Error("the envelope does not carry the file's exact bytes")
	}

	// To a file with --out.
	signed := filepath.Join(dir, "signed.json")
	out, errs, code := runCLI(t, "", "policy", "sign", examplePolicy, "--key", prefix+".key", "--out", signed)
	if code != 0 || !strings.Contains(out, rules.KeyID(pub)) {
		t.Fatalf("sign --out: exit %d, %q %q; want the key ID named", code, out, errs)
	}

	// check verifies and names the key.
	out, _, code = runCLI(t, "", "--json", "policy", "check", signed)
	var got struct {
		OK       bool   `json:"ok"`
		Children int    `json:"children"`
		SignedBy string `json:"signedBy"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || !got.OK || got.SignedBy != rules.KeyID(pub) || got.Children != 2 {
		t.Fatalf("check --json of a signed file: exit %d %s; want ok, signedBy %s", code, out, rules.KeyID(pub))
	}
	out, _, code = runCLI(t, "", "policy", "check", signed)
	if code != 0 || !strings.Contains(out, rules.KeyID(pub)) {
		t.Errorf("check of a signed file: exit %d %q; want the key ID", code, out)
	}
	// A plain file has no signedBy.
	out, _, _ = runCLI(t, "", "--json", "policy", "check", examplePolicy)
	if strings.Contains(out, "signedBy") {
		t.Errorf("check of a plain file says signedBy: %s", out)
	}

	// check --key PUB: the expected key passes, another key and an
	// unsigned file do not.
	other := keygen(t)
	if _, errs, code := runCLI(t, "", "policy", "check", signed, "--key", prefix+".pub"); code != 0 {
		t.Errorf("check --key with the signer's key: exit %d %s", code, errs)
	}
	if _, errs, code := runCLI(t, "", "policy", "check", signed, "--key", other+".pub"); code != 1 || !strings.Contains(errs, "not by key") {
		t.Errorf("check --key with another key: exit %d %q; want 1", code, errs)
	}
	if _, errs, code := runCLI(t, "", "policy", "check", examplePolicy, "--key", prefix+".pub"); code != 1 || !strings.Contains(errs, "not signed") {
		t.Errorf("check --key of an unsigned file: exit %d %q; want 1", code, errs)
	}

	// One changed byte of the policy: check fails and names the field.
	var e map[string]map[string]any
	_ = json.Unmarshal([]byte(env), &e)
	tampered := bytes.Replace(orig, []byte(`"2h"`), []byte(`"9h"`), 1)
	e["signedPolicy"]["policy"] = encodeB64(tampered)
	tb, _ := json.Marshal(e)
	bad := filepath.Join(dir, "tampered.json")
	if err := os.WriteFile(bad, tb, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := runCLI(t, "", "policy", "check", bad); code != 1 || !strings.Contains(errs, "signedPolicy.signature") {
		t.Errorf("check of a tampered file: exit %d %q; want 1 naming signedPolicy.signature", code, errs)
	}
	// An envelope is not signed again.
	if _, errs, code := runCLI(t, "", "policy", "sign", signed, "--key", prefix+".key"); code != 1 || !strings.Contains(errs, "already signed") {
		t.Errorf("sign of a signed file: exit %d %q; want 1", code, errs)
	}
}

func encodeB64(b []byte) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	_ = enc.Encode(b) // []byte encodes as standard base64
	var s string
	_ = json.Unmarshal(buf.Bytes(), &s)
	return s
}

func TestPolicySignedUsage(t *testing.T) {
	prefix := keygen(t)
	cases := []struct {
		sentence string
		args     []string
		want     int
		inErr    string
	}{
		{"keygen needs --out", []string{"policy", "keygen"}, 2, "--out"},
		{"sign needs --key", []string{"policy", "sign", examplePolicy}, 2, "--key"},
		{"sign needs a file", []string{"policy", "sign", "--key", prefix + ".key"}, 2, "FILE"},
		{"a public key cannot sign", []string{"policy", "sign", examplePolicy, "--key", prefix + ".pub"}, 1, "ed25519PrivateKey"},
		{"--rekey needs a signed policy", []string{"policy", "import", examplePolicy, "--rekey"}, 2, "signed"},
		{"a signed import with no daemon is an error", []string{"policy", "import", signedFile(t, prefix)}, 1, "kidtimed"},
	}
	for _, c := range cases {
		_, errs, code := runCLI(t, "", c.args...)
		if code != c.want || !strings.Contains(errs, c.inErr) {
			t.Errorf("%s: exit %d %q; want %d mentioning %q", c.sentence, code, errs, c.want, c.inErr)
		}
	}
}

func signedFile(t *testing.T, prefix string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "signed.json")
	if _, errs, code := runCLI(t, "", "policy", "sign", examplePolicy, "--key", prefix+".key", "--out", p); code != 0 {
		t.Fatalf("sign: %s", errs)
	}
	return p
}

// A signed import reaches the daemon byte for byte, with ?rekey=1 when
// asked and the parent token; a refusal comes back as exit 3.
func TestPolicyImportSendsEnvelope(t *testing.T) {
	prefix := keygen(t)
	file := signedFile(t, prefix)
	want, _ := os.ReadFile(file)
	sock, l := listenStub(t)
	type got struct {
		method, uri, auth string
		body              []byte
	}
	reqs := make(chan got, 4)
	var refuse atomic.Bool
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		reqs <- got{r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), b}
		if refuse.Load() {
			w.WriteHeader(http.StatusForbidden)
			_ = json.NewEncoder(w).Encode(apitype.Error{Error: "this computer follows a school policy signed by key x", Code: apitype.CodeNotAllowed})
			return
		}
		_ = json.NewEncoder(w).Encode(apitype.OK{OK: true})
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	t.Setenv("KIDTIME_TOKEN", "tok")
	run := func(args ...string) (string, int) {
		var out, errb bytes.Buffer
		t.Setenv("KIDTIME_LANG", "en")
		code := Main(append([]string{"--socket", sock}, args...), strings.NewReader(""), &out, &errb)
		return errb.String(), code
	}
	if errs, code := run("policy", "import", file, "--rekey"); code != 0 {
		t.Fatalf("import --rekey: exit %d %s", code, errs)
	}
	r := <-reqs
	if r.method != http.MethodPut || r.uri != apitype.RoutePolicy+"?rekey=1" || r.auth != "Bearer tok" || !bytes.Equal(r.body, want) {
		t.Errorf("the daemon got %s %s (%q), body equal %v; want PUT %s?rekey=1 with the token and the file's bytes",
			r.method, r.uri, r.auth, bytes.Equal(r.body, want), apitype.RoutePolicy)
	}
	refuse.Store(true)
	if errs, code := run("policy", "import", file); code != 3 || !strings.Contains(errs, "school policy") {
		t.Errorf("a refused import: exit %d %q; want 3 with the daemon's sentence", code, errs)
	}
	if r := <-reqs; r.uri != apitype.RoutePolicy {
		t.Errorf("without --rekey the daemon got %s", r.uri)
	}
}

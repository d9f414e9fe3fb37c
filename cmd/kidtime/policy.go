package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kidtime/kidtime/rules"
)

// The policy commands (check, import, export, keygen, sign) and the one
// reader of policy files they and rules set share.

// policyInput is a policy file as the CLI read it.
type policyInput struct {
	path string
	raw  []byte // the bytes as read: a signed file goes to the daemon as it is
	file *rules.File
	sig  *rules.Signed // nil for a plain policy file
}

// readPolicy reads a policy file, plain or signed, from path ("-" is
// standard input). A signed one is verified against the key it names:
// whether that key is the school's is for the daemon, or check --key, to
// say.
func (k *cli) readPolicy(path string) (*policyInput, error) {
	b, err := k.readInput(path)
	if err != nil {
		return nil, err
	}
	p := &policyInput{path: path, raw: b}
	s, signed, err := rules.OpenSignedPolicy(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if signed {
		b, p.sig = s.Policy, &s
	}
	if p.file, err = rules.ParseFile(b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// validate checks each child's rules as the daemon will apply them now.
func (p *policyInput) validate(now time.Time) error {
	for _, c := range p.file.Children {
		if _, err := c.Policy(now); err != nil {
			return fmt.Errorf("%s: %w", p.path, err)
		}
	}
	return nil
}

// readInput reads a file, or standard input for "-".
func (k *cli) readInput(path string) ([]byte, error) {
	if path == "-" {
		b, err := io.ReadAll(k.stdin)
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

// readChildFile reads one child's rules for rules set: a child object, or
// a policy file with exactly one child.
func (k *cli) readChildFile(path string) (rules.Child, error) {
	b, err := k.readInput(path)
	if err != nil {
		return rules.Child{}, err
	}
	trim := strings.TrimSpace(string(b))
	if !strings.Contains(trim, `"children"`) && !strings.Contains(trim, `"signedPolicy"`) {
		f, err := rules.ParseFile([]byte(`{"version":1,"children":[` + trim + `]}`))
		if err != nil {
			return rules.Child{}, fmt.Errorf("%s: %s", path, strings.ReplaceAll(err.Error(), "children[0].", ""))
		}
		return f.Children[0], nil
	}
	p, err := k.readPolicy(path)
	if err != nil {
		return rules.Child{}, err
	}
	switch {
	case p.sig != nil:
		return rules.Child{}, fmt.Errorf("%s is signed (by key %s); apply a signed policy whole with kidtime policy import", path, p.sig.KeyID())
	case len(p.file.Children) != 1:
		return rules.Child{}, fmt.Errorf("%s: holds %d children; rules set takes one (use policy import for several)", path, len(p.file.Children))
	}
	return p.file.Children[0], nil
}

func checkFlags(fs *flag.FlagSet, pubPath *string) {
	fs.StringVar(pubPath, "key", "", "flag.policy-check.key")
}

func (k *cli) policyCheck(_ context.Context, pubPath *string, pos []string) error {
	p, err := k.readPolicy(pos[0])
	if err != nil {
		return err
	}
	if err := p.validate(k.now()); err != nil {
		return err
	}
	if *pubPath != "" {
		pub, err := readKeyFile(*pubPath, rules.ParsePublicKey)
		if err != nil {
			return err
		}
		switch {
		case p.sig == nil:
			return fmt.Errorf("%s is not signed; --key %s wants a policy signed by key %s", p.path, *pubPath, rules.KeyID(pub))
		case !p.sig.Key.Equal(pub):
			return fmt.Errorf("%s is signed by key %s, not by key %s (%s)", p.path, p.sig.KeyID(), rules.KeyID(pub), *pubPath)
		}
	}
	res := map[string]any{"ok": true, "children": len(p.file.Children), "defaultProfile": p.file.DefaultProfile != nil}
	if p.sig != nil {
		res["signedBy"], res["signedAt"] = p.sig.KeyID(), p.sig.SignedAt
	}
	return k.out(res, func(w io.Writer) {
		fmt.Fprintln(w, k.t("policy.ok", p.path, len(p.file.Children)))
		if p.sig != nil {
			fmt.Fprintln(w, k.t("policy.signedby", p.sig.KeyID(), p.sig.SignedAt.Local().Format("2006-01-02 15:04")))
		}
	})
}

func importFlags(fs *flag.FlagSet, rekey *bool) {
	fs.BoolVar(rekey, "rekey", false, "flag.policy-import.rekey")
}

func (k *cli) policyImport(ctx context.Context, rekey *bool, pos []string) error {
	p, err := k.readPolicy(pos[0])
	if err != nil {
		return err
	}
	if p.sig == nil {
		if *rekey {
			return badUsage("policy import --rekey needs a policy signed with the new key (kidtime policy sign)")
		}
		if err := k.c.SetPolicy(ctx, *p.file); err != nil {
			return err
		}
		return k.ok("policy.imported", len(p.file.Children))
	}
	// A signed policy goes as it is: the daemon checks the signature over
	// the exact bytes.
	if err := k.c.SetPolicyFile(ctx, p.raw, *rekey); err != nil {
		return err
	}
	return k.out(map[string]any{"ok": true, "signedBy": p.sig.KeyID()}, func(w io.Writer) {
		fmt.Fprintln(w, k.t("policy.imported", len(p.file.Children)))
		fmt.Fprintln(w, k.t("policy.importedsigned", p.sig.KeyID()))
	})
}

func (k *cli) policyExport(ctx context.Context, _ []string) error {
	f, err := k.c.Policy(ctx)
	if err != nil {
		return err
	}
	b, err := rules.EncodeFile(&f)
	if err != nil {
		return err
	}
	_, err = k.stdout.Write(b)
	return err
}

func readKeyFile[K any](path string, parse func([]byte) (K, error)) (K, error) {
	var zero K
	b, err := os.ReadFile(path)
	if err != nil {
		return zero, fmt.Errorf("read key %s: %w", path, err)
	}
	key, err := parse(b)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

func keygenFlags(fs *flag.FlagSet, prefix *string) {
	fs.StringVar(prefix, "out", "", "flag.policy-keygen.out")
}

// keygen writes a new school key pair: PREFIX.key (private, 0600) and
// PREFIX.pub. It never overwrites a key.
func (k *cli) keygen(_ context.Context, prefix *string, _ []string) error {
	if *prefix == "" {
		return badUsage("policy keygen needs --out PREFIX (writes PREFIX.key and PREFIX.pub)")
	}
	keyPath, pubPath := *prefix+".key", *prefix+".pub"
	for _, p := range []string{keyPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s exists; policy keygen never overwrites a key (choose another --out)", p)
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	if err := writeNew(keyPath, rules.MarshalPrivateKey(priv), 0o600); err != nil {
		return err
	}
	if err := writeNew(pubPath, rules.MarshalPublicKey(pub), 0o644); err != nil {
		_ = os.Remove(keyPath)
		return err
	}
	id := rules.KeyID(pub)
	return k.out(map[string]any{"ok": true, "keyId": id, "key": keyPath, "pub": pubPath}, func(w io.Writer) {
		fmt.Fprintln(w, k.t("policy.keygen", id, keyPath, pubPath))
	})
}

// writeNew creates a file that must not exist yet.
func writeNew(path string, b []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

type signOpts struct {
	key, out string
}

func signFlags(fs *flag.FlagSet, o *signOpts) {
	fs.StringVar(&o.key, "key", "", "flag.policy-sign.key")
	fs.StringVar(&o.out, "out", "", "flag.policy-sign.out")
}

// sign wraps a policy file in a signed envelope, to stdout or --out.
func (k *cli) sign(_ context.Context, o *signOpts, pos []string) error {
	if o.key == "" {
		return badUsage("policy sign needs --key PREFIX.key")
	}
	p, err := k.readPolicy(pos[0])
	if err != nil {
		return err
	}
	if p.sig != nil {
		return fmt.Errorf("%s is already signed (by key %s); sign the policy file itself", p.path, p.sig.KeyID())
	}
	now := k.now()
	if err := p.validate(now); err != nil {
		return err
	}
	priv, err := readKeyFile(o.key, rules.ParsePrivateKey)
	if err != nil {
		return err
	}
	env, err := rules.Sign(p.raw, priv, now)
	if err != nil {
		return fmt.Errorf("%s: %w", p.path, err)
	}
	if o.out == "" || o.out == "-" {
		_, err := k.stdout.Write(env)
		return err
	}
	if err := os.WriteFile(o.out, env, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", o.out, err)
	}
	id := rules.KeyID(priv.Public().(ed25519.PublicKey))
	return k.out(map[string]any{"ok": true, "signedBy": id, "out": o.out}, func(w io.Writer) {
		fmt.Fprintln(w, k.t("policy.signed", o.out, id))
	})
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/assets"
)

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// out prints a command's result: v as JSON with --json, else what human
// writes, aligned at its tabs.
func (k *cli) out(v any, human func(w io.Writer)) error {
	if k.json {
		writeJSON(k.stdout, v)
		return nil
	}
	tw := tabwriter.NewWriter(k.stdout, 2, 4, 2, ' ', 0)
	human(tw)
	return tw.Flush()
}

// ok prints {"ok":true}, or the sentence of key with args.
func (k *cli) ok(key string, args ...any) error {
	return k.out(apitype.OK{OK: true}, func(w io.Writer) { fmt.Fprintln(w, k.t(key, args...)) })
}

// t is the CLI's message key in the user's language (assets.T).
func (k *cli) t(key string, args ...any) string { return assets.T(k.lang, "cli."+key, args...) }

func (k *cli) dur(sec int64) string {
	if sec < 0 {
		return k.t("unlimited")
	}
	return assets.HumanDuration(k.lang, sec)
}

// tn is t for a count n: the key's ".one" sentence when n is 1 ("1
// request"), the key's own otherwise ("2 requests").
func (k *cli) tn(key string, n int, args ...any) string {
	if n == 1 {
		if m, _ := assets.Messages(k.lang); m["cli."+key+".one"] != "" {
			return k.t(key+".one", args...)
		}
	}
	return k.t(key, args...)
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/rules"
)

type webOpts struct {
	filter, safeSearch, block, deny, allow string
}

func webFlags(fs *flag.FlagSet, o *webOpts) {
	fs.StringVar(&o.filter, "filter", "", "flag.web.filter")
	fs.StringVar(&o.safeSearch, "safe-search", "", "flag.web.safe-search")
	fs.StringVar(&o.block, "block", "", "flag.web.block")
	fs.StringVar(&o.deny, "deny", "", "flag.web.deny")
	fs.StringVar(&o.allow, "allow", "", "flag.web.allow")
}

// webShown is what kidtime web NAME prints: the child's web rules in
// force, and today's count of blocked lookups.
type webShown struct {
	rules.WebPolicy
	BlockedToday int64            `json:"blockedToday"`
	ByCategory   map[string]int64 `json:"byCategory,omitempty"`
	Active       bool             `json:"active"`
	Closed       bool             `json:"closed,omitempty"`
}

// web shows a child's web rules, or changes them: --filter and
// --safe-search set, --block replaces the blocked categories, --deny and
// --allow add domains (a leading "-" takes one away).
func (k *cli) web(ctx context.Context, o *webOpts, pos []string) error {
	name := pos[0]
	if o.filter == "" && o.safeSearch == "" && o.block == "" && o.deny == "" && o.allow == "" {
		return k.webShow(ctx, name)
	}
	var ws rules.WebSpec
	if o.filter != "" {
		f, err := rules.ParseWebFilter("--filter", o.filter)
		if err != nil {
			return badValue("--filter", o.filter, err)
		}
		ws.Filter = &f
	}
	if o.safeSearch != "" {
		on, ok := map[string]bool{"on": true, "off": false}[o.safeSearch]
		if !ok {
			return badUsage("--safe-search %q: want on or off", o.safeSearch)
		}
		ws.SafeSearch = &on
	}
	var blocks []string
	if o.block != "" {
		blocks = []string{}
		for _, c := range splitList(o.block) {
			cat, err := rules.ParseWebCategory("--block", c, true)
			if err != nil {
				return badValue("--block", c, err)
			}
			if !slices.Contains(blocks, cat) {
				blocks = append(blocks, cat)
			}
		}
	}
	type edit struct {
		domain string
		remove bool
	}
	domains := func(flagName, v string) ([]edit, error) {
		var out []edit
		for _, d := range splitList(v) {
			e := edit{}
			d, e.remove = strings.CutPrefix(d, "-")
			n, err := rules.ParseWebDomain(flagName, d)
			if err != nil {
				return nil, badValue(flagName, d, err)
			}
			e.domain = n
			out = append(out, e)
		}
		return out, nil
	}
	denies, err := domains("--deny", o.deny)
	if err != nil {
		return err
	}
	allows, err := domains("--allow", o.allow)
	if err != nil {
		return err
	}
	spec, err := k.c.ChildPolicy(ctx, name)
	if err != nil {
		return err
	}
	if spec.Web == nil {
		spec.Web = &rules.WebSpec{}
	}
	if ws.Filter != nil {
		spec.Web.Filter = ws.Filter
		if blocks == nil {
			spec.Web.Block = nil // the level's categories
		}
	}
	if ws.SafeSearch != nil {
		spec.Web.SafeSearch = ws.SafeSearch
	}
	if blocks != nil {
		spec.Web.Block = blocks
	}
	apply := func(list *[]string, other *[]string, es []edit) {
		for _, e := range es {
			*list = slices.DeleteFunc(*list, func(s string) bool { return s == e.domain })
			if !e.remove {
				*list = append(*list, e.domain)
				// A domain is denied or allowed, not both.
				*other = slices.DeleteFunc(*other, func(s string) bool { return s == e.domain })
			}
		}
	}
	apply(&spec.Web.Deny, &spec.Web.Allow, denies)
	apply(&spec.Web.Allow, &spec.Web.Deny, allows)
	if err := k.c.SetChildPolicy(ctx, name, spec); err != nil {
		return err
	}
	return k.ok("web.saved", name)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (k *cli) webShow(ctx context.Context, name string) error {
	spec, err := k.c.ChildPolicy(ctx, name)
	if err != nil {
		return err
	}
	p, err := spec.Policy(time.Now())
	if err != nil {
		return err
	}
	shown := webShown{WebPolicy: p.Web}
	if st, err := k.c.Status(ctx); err == nil {
		for _, c := range st.Children {
			if strings.EqualFold(c.Name, spec.Name) && c.Web != nil {
				shown.BlockedToday, shown.ByCategory, shown.Active, shown.Closed = c.Web.BlockedToday, c.Web.ByCategory, c.Web.Active, c.Web.Closed
			}
		}
	}
	return k.out(shown, func(w io.Writer) {
		onOff := map[bool]string{true: k.t("web.on"), false: k.t("web.off")}
		fmt.Fprintf(w, "%s\t%s\n", k.t("web.filter"), p.Web.Filter)
		fmt.Fprintf(w, "%s\t%s\n", k.t("web.safesearch"), onOff[p.Web.SafeSearch])
		fmt.Fprintf(w, "%s\t%s\n", k.t("web.block"), strings.Join(p.Web.Block, ", "))
		fmt.Fprintf(w, "%s\t%s\n", k.t("web.deny"), strings.Join(p.Web.Deny, ", "))
		fmt.Fprintf(w, "%s\t%s\n", k.t("web.allow"), strings.Join(p.Web.Allow, ", "))
		fmt.Fprintf(w, "%s\t%s\n", k.t("web.today"), k.webBlocked(shown.BlockedToday, shown.ByCategory))
		switch {
		case shown.Closed:
			fmt.Fprintln(w, k.t("web.closed"))
		case !shown.Active:
			fmt.Fprintln(w, k.t("web.inactive"))
		}
	})
}

// webBlocked says "12 (adult 9, gambling 3)".
func (k *cli) webBlocked(n int64, by map[string]int64) string {
	s := fmt.Sprint(n)
	var parts []string
	for _, c := range append(slices.Clone(rules.WebBlockCategories), "deny", "allowlist") {
		if by[c] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", c, by[c]))
		}
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

func (k *cli) webLists(ctx context.Context, _ []string) error {
	k.shadowed(ctx, "lists")
	ls, err := k.c.WebLists(ctx)
	if err != nil {
		return err
	}
	return k.out(ls, func(w io.Writer) {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", k.t("web.lists.name"), k.t("web.lists.category"), k.t("web.lists.domains"), k.t("web.lists.updated"), k.t("web.lists.source"))
		for _, l := range ls.Lists {
			updated := k.t("web.lists.shipped")
			if !l.Updated.IsZero() {
				updated = l.Updated.Local().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\n", l.Name, l.Category, l.Domains, updated, l.Source)
		}
		if !ls.Active {
			fmt.Fprintln(w, k.t("web.inactive"))
		}
	})
}

// shadowed tells, on stderr, that a child is named like the subcommand
// that ran (sub): their web filter is "kidtime web -- NAME".
func (k *cli) shadowed(ctx context.Context, sub string) {
	cs, err := k.c.Children(ctx)
	if err != nil {
		return // only a hint: the command itself worked
	}
	for _, c := range cs {
		if strings.EqualFold(c.Name, sub) {
			fmt.Fprintln(k.stderr, k.t("web.shadowed", c.Name, sub, c.Name))
		}
	}
}

func webImportFlags(fs *flag.FlagSet, category *string) {
	fs.StringVar(category, "category", "", "flag.web.category")
}

// webImport reads a list from a file (as the caller) or a URL, and sends
// it to the daemon, which reads it strictly and installs it.
func (k *cli) webImport(ctx context.Context, category *string, pos []string) error {
	if *category == "" {
		return badUsage("web import needs --category CAT")
	}
	cat, err := rules.ParseWebCategory("--category", *category, false)
	if err != nil {
		return badValue("--category", *category, err)
	}
	src := pos[0]
	var data []byte
	if strings.HasPrefix(src, "https://") || strings.HasPrefix(src, "http://") {
		data, err = fetchList(ctx, src)
	} else {
		data, err = readList(src)
	}
	if err != nil {
		return err
	}
	k.shadowed(ctx, "import")
	out, err := k.c.WebImport(ctx, cat, src, data)
	if err != nil {
		return err
	}
	return k.out(out, func(w io.Writer) {
		fmt.Fprintln(w, k.t("web.imported", out.List.Domains, out.List.Name, out.List.Category, out.Skipped))
	})
}

func readList(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f, path)
}

func readLimited(r io.Reader, src string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, apitype.MaxWebImport+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", src, err)
	}
	if len(data) > apitype.MaxWebImport {
		return nil, fmt.Errorf("%s is larger than %d MB", src, apitype.MaxWebImport>>20)
	}
	return data, nil
}

func fetchList(ctx context.Context, u string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, badUsage("%q is not a URL: %v", u, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download %s: %s", u, resp.Status)
	}
	return readLimited(resp.Body, u)
}

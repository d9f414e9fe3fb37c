package web

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kidtime/kidtime/assets"
	"github.com/kidtime/kidtime/rules"
)

// List is one installed list: shipped in assets or imported by a parent.
type List struct {
	Name     string    `json:"name"`     // "adult" (shipped) or "adult.NAME" (imported)
	Category string    `json:"category"` // a rules web category
	Domains  int       `json:"domains"`  // names read from it
	Source   string    `json:"source"`   // "kidtime" for shipped ones, else the file or URL imported
	Updated  time.Time `json:"updated"`  // when it was imported (shipped: zero)
	Shipped  bool      `json:"shipped"`
}

// Catalog is every list, built into two sets: the blocked categories (a
// bit per rules.WebBlockCategories entry) and the education sites.
type Catalog struct {
	block *Set
	edu   *Set
	Lists []List
}

// categoryBit is a block category's bit in a Set mask (0 for education and
// unknown names).
func categoryBit(cat string) uint8 {
	if i := slices.Index(rules.WebBlockCategories, cat); i >= 0 && i < 8 {
		return 1 << i
	}
	return 0
}

// maskOf is the bits of a list of categories.
func maskOf(cats []string) uint8 {
	var m uint8
	for _, c := range cats {
		m |= categoryBit(c)
	}
	return m
}

// firstCategory names the first category of m (the order of
// rules.WebBlockCategories: adult before gambling...).
func firstCategory(m uint8) string {
	for i, c := range rules.WebBlockCategories {
		if m&(1<<i) != 0 {
			return c
		}
	}
	return ""
}

// listExt is the extension of an imported list in the lists folder.
const listExt = ".list"

// LoadCatalog reads the shipped lists and those imported into dir (which
// may not exist). A bad imported file is skipped and returned in the error,
// the others still load: a broken import never leaves a child unfiltered.
func LoadCatalog(dir string) (*Catalog, error) {
	var blockB, eduB Builder
	c := &Catalog{}
	var errs []error
	add := func(l List, r io.Reader) error {
		b, bit := &blockB, categoryBit(l.Category)
		if l.Category == rules.WebEducation {
			b, bit = &eduB, 1
		}
		st, err := ParseList(r, func(d string) { b.Add(d, bit) })
		if err != nil {
			return err
		}
		l.Domains = st.Domains
		c.Lists = append(c.Lists, l)
		return nil
	}
	shipped, _ := fs.Glob(assets.WebLists, "web/*.txt")
	for _, p := range shipped {
		cat := strings.TrimSuffix(filepath.Base(p), ".txt")
		data, err := assets.WebLists.ReadFile(p)
		if err == nil {
			err = add(List{Name: cat, Category: cat, Source: "kidtime", Shipped: true}, bytes.NewReader(data))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("shipped list %s: %w", cat, err))
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*"+listExt))
	if err != nil {
		errs = append(errs, err)
	}
	sort.Strings(files)
	for _, p := range files {
		l, err := readHeader(p)
		if err == nil {
			var f *os.File
			if f, err = os.Open(p); err == nil {
				err = add(l, f)
				f.Close()
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("imported list %s: %w", filepath.Base(p), err))
		}
	}
	c.block, c.edu = blockB.Build(), eduB.Build()
	return c, errors.Join(errs...)
}

// Domains is how many names the catalog's sets hold.
func (c *Catalog) Domains() int { return c.block.Len() + c.edu.Len() }

// Bytes is the memory of the catalog's sets.
func (c *Catalog) Bytes() int { return c.block.Bytes() + c.edu.Bytes() }

// The header of an imported list file: three comment lines.
const (
	hdrCategory = "# category: "
	hdrSource   = "# source: "
	hdrUpdated  = "# updated: "
)

func readHeader(path string) (List, error) {
	f, err := os.Open(path)
	if err != nil {
		return List{}, err
	}
	defer f.Close()
	l := List{Name: strings.TrimSuffix(filepath.Base(path), listExt)}
	sc := bufio.NewScanner(f)
	for i := 0; i < 4 && sc.Scan(); i++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, hdrCategory):
			l.Category = strings.TrimPrefix(line, hdrCategory)
		case strings.HasPrefix(line, hdrSource):
			l.Source = strings.TrimPrefix(line, hdrSource)
		case strings.HasPrefix(line, hdrUpdated):
			l.Updated, _ = time.Parse(time.RFC3339, strings.TrimPrefix(line, hdrUpdated))
		}
	}
	if !rules.IsWebCategory(l.Category) {
		return l, fmt.Errorf("category %q in its header is not a web category", l.Category)
	}
	return l, nil
}

// ImportName is the name an import of source into category gets: the
// category and the source's last path element, so that importing the same
// source again replaces it.
func ImportName(category, source string) string {
	base := source
	if i := strings.LastIndexAny(strings.TrimRight(base, "/"), `/\`); i >= 0 {
		base = strings.TrimRight(base, "/")[i+1:]
	}
	var b strings.Builder
	for _, r := range strings.ToLower(base) {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == '.':
			b.WriteRune('-')
		}
		if b.Len() >= 40 {
			break
		}
	}
	name := b.String()
	if name == "" {
		name = "list"
	}
	return category + "." + name
}

// ErrBadList is the error of a list that cannot be installed as it is: no
// domain in it, or too large.
var ErrBadList = errors.New("bad list")

// MaxImport is the largest list text an import reads (a million names in a
// hosts file is about 35 MB; apitype.MaxWebImport).
const MaxImport = 64 << 20

// Import reads a list in any format (ParseList) from r and writes its
// domains, one a line under a header, to dir as ImportName(category,
// source).list, replacing an earlier import of the same source. A list
// with no domain at all is refused (a wrong file or URL), and nothing is
// written.
func Import(dir, category, source string, r io.Reader, now time.Time) (List, ListStats, error) {
	if !rules.IsWebCategory(category) {
		return List{}, ListStats{}, fmt.Errorf("category %q: not a web category", category)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return List{}, ListStats{}, fmt.Errorf("lists folder: %w", err)
	}
	l := List{Name: ImportName(category, source), Category: category, Source: source, Updated: now.UTC().Truncate(time.Second)}
	tmp, err := os.CreateTemp(dir, ".import-*")
	if err != nil {
		return l, ListStats{}, fmt.Errorf("lists folder: %w", err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 256<<10)
	fmt.Fprintf(w, "%s%s\n%s%s\n%s%s\n", hdrCategory, category, hdrSource, strings.ReplaceAll(source, "\n", " "), hdrUpdated, l.Updated.Format(time.RFC3339))
	lr := &io.LimitedReader{R: r, N: MaxImport + 1}
	st, err := ParseList(lr, func(d string) {
		w.WriteString(d)
		w.WriteByte('\n')
	})
	if err == nil && lr.N <= 0 {
		err = fmt.Errorf("%w: the list is longer than %d MB", ErrBadList, MaxImport>>20)
	}
	if err == nil && st.Domains == 0 {
		err = fmt.Errorf("%w: no domain found in %d lines (is it a hosts file, a list of domains or ||domain^ filter lines?)", ErrBadList, st.Lines)
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return l, st, err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, l.Name+listExt)); err != nil {
		return l, st, fmt.Errorf("install list: %w", err)
	}
	l.Domains = st.Domains
	return l, st, nil
}

// Describe is a list as one line (for logs).
func (l List) Describe() string {
	return l.Name + " (" + l.Category + ", " + strconv.Itoa(l.Domains) + " domains)"
}

package assets

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// glossary reads GLOSSARY.md: the forms not to use, per language (from the
// "not (vi)" and "not (en)" columns of the terms table), and the phrases
// that may contain them.
func glossary(t *testing.T) (forbidden, allowed map[string][]string) {
	t.Helper()
	b, err := os.ReadFile("GLOSSARY.md")
	if err != nil {
		t.Fatal(err)
	}
	forbidden, allowed = map[string][]string{}, map[string][]string{}
	section := ""
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "## ") {
			section = strings.TrimPrefix(line, "## ")
			continue
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) < 2 || strings.HasPrefix(strings.TrimSpace(cells[0]), "---") {
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case section == "Terms" && len(cells) == 5 && cells[0] != "term":
			forbidden["vi"] = append(forbidden["vi"], forms(cells[2])...)
			forbidden["en"] = append(forbidden["en"], forms(cells[4])...)
		case section == "Allowed phrases" && len(cells) == 3 && cells[0] != "language":
			allowed[cells[0]] = append(allowed[cells[0]], cells[1])
		}
	}
	if len(forbidden["vi"]) < 10 {
		t.Fatalf("GLOSSARY.md gave only %d Vietnamese forms not to use; is the table broken?", len(forbidden["vi"]))
	}
	return forbidden, allowed
}

// forms splits a "not" cell, "bố mẹ; ba mẹ", dropping notes in parentheses.
func forms(cell string) []string {
	cell = regexp.MustCompile(`\([^)]*\)`).ReplaceAllString(cell, "")
	var out []string
	for _, f := range strings.Split(cell, ";") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, strings.ToLower(f))
		}
	}
	return out
}

// code is what the check skips: `backticks`, --flags, command names with a
// hyphen (pause-games), {{.Template}} fields and %verbs.
var code = regexp.MustCompile("`[^`]*`|--?[a-z][a-z-]*|[a-z]+-[a-z-]+|\\{\\{[^}]*\\}\\}|\\{[a-zA-Z]+\\}")

// word matches form as a whole word (no letter right before or after).
func word(form string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)(^|[^\p{L}])` + regexp.QuoteMeta(form) + `($|[^\p{L}])`)
}

// TestTranslationsUseTheGlossary fails for each translated string that uses
// a form GLOSSARY.md says not to use.
func TestTranslationsUseTheGlossary(t *testing.T) {
	forbidden, allowed := glossary(t)
	for _, dir := range []string{"translations/ui", "translations/cli"} {
		for _, lang := range []string{"vi", "en"} {
			file := fmt.Sprintf("%s/%s.json", dir, lang)
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			for key, v := range m {
				for _, s := range strings_(v) {
					for _, f := range violations(lang, s, forbidden, allowed) {
						t.Errorf("%s %s: %q uses %q (see assets/GLOSSARY.md)", file, key, s, f)
					}
				}
			}
		}
	}
}

// violations are the forms not to use that s uses; in English, also a
// plural written "(s)" (say it properly: ui/i18n.Plural).
func violations(lang, s string, forbidden, allowed map[string][]string) []string {
	var out []string
	if lang == "en" && strings.Contains(s, "(s)") {
		out = append(out, "(s)")
	}
	text := strings.ToLower(code.ReplaceAllString(s, " "))
	for _, a := range allowed[lang] {
		text = strings.ReplaceAll(text, strings.ToLower(a), " ")
	}
	for _, f := range forbidden[lang] {
		if word(f).MatchString(text) {
			out = append(out, f)
		}
	}
	return out
}

// strings_ is a translation's text: a string, or the forms of a plural
// ({"one": …, "other": …}).
func strings_(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case map[string]any:
		var out []string
		for _, x := range v {
			out = append(out, strings_(x)...)
		}
		return out
	}
	return nil
}

func TestTheGlossaryCheckCatchesAForbiddenForm(t *testing.T) {
	forbidden, allowed := glossary(t)
	cases := []struct {
		text, lang string
		caught     bool
	}{
		{"Hãy hỏi bố mẹ", "vi", true},
		{"Đã hết giờ chơi game.", "vi", true},
		{"Quy tắc của An", "vi", true},
		{"Máy đã bị khoá", "vi", true},
		{"Khóa màn hình", "vi", false},
		{"dừng trò chơi (`kidtime pause-games`)", "vi", false},
		{"--games: thời gian chơi", "vi", false},
		{"2 request(s)", "en", true},
		{"Ask a parent", "en", false},
	}
	for _, c := range cases {
		caught := len(violations(c.lang, c.text, forbidden, allowed)) > 0
		if caught != c.caught {
			t.Errorf("%q (%s): caught %v, want %v", c.text, c.lang, caught, c.caught)
		}
	}
}

package rules

import (
	"strings"
	"testing"
)

func TestReportFields(t *testing.T) {
	const kids = `"children": [{"name": "Lớp 6A", "birthYear": 2014}, {"name": "Lớp 6B", "birthYear": 2014}, {"name": "Lớp 7A", "birthYear": 2013}]`
	cases := []struct {
		sentence string
		json     string
		err      string // a part of the error; "" = it parses
		check    func(*File) bool
	}{
		{"A file without them shares no names and names no classes.", `{"version": 1, ` + kids + `}`, "",
			func(f *File) bool { return !f.ShareNames && f.Classes == nil }},
		{"shareNames true and two classes are read.", `{"version": 1, ` + kids + `, "shareNames": true,
			"classes": [{"name": "6", "children": ["Lớp 6A", "lớp 6b"]}, {"name": "7", "children": ["Lớp 7A"]}]}`, "",
			func(f *File) bool {
				return f.ShareNames && len(f.Classes) == 2 && f.Classes[0].Name == "6" && len(f.Classes[0].Children) == 2 && f.Classes[1].Children[0] == "Lớp 7A"
			}},
		{"shareNames must be a boolean.", `{"version": 1, "shareNames": "yes"}`, "shareNames", nil},
		{"A class names only the file's children.", `{"version": 1, ` + kids + `, "classes": [{"name": "6", "children": ["Lan"]}]}`, "classes[0].children[0]", nil},
		{"A child is in one class only.", `{"version": 1, ` + kids + `, "classes": [{"name": "6", "children": ["Lớp 6A"]}, {"name": "x", "children": ["Lớp 6A"]}]}`, "classes[1].children[0]", nil},
		{"Two classes have two names.", `{"version": 1, ` + kids + `, "classes": [{"name": "6", "children": ["Lớp 6A"]}, {"name": "6", "children": ["Lớp 6B"]}]}`, "classes[1].name", nil},
		{"A class needs its children.", `{"version": 1, ` + kids + `, "classes": [{"name": "6"}]}`, "classes[0].children", nil},
		{"A class has no other field.", `{"version": 1, ` + kids + `, "classes": [{"name": "6", "children": [], "teacher": "Hà"}]}`, "classes[0].teacher", nil},
	}
	for _, c := range cases {
		f, err := ParseFile([]byte(c.json))
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%s\n  got error %v", c.sentence, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s\n  got error %v, want one about %s", c.sentence, err, c.err)
		case c.err == "" && !c.check(f):
			t.Errorf("%s\n  got %+v", c.sentence, f)
		case c.err == "":
			// It round-trips through EncodeFile.
			b, err := EncodeFile(f)
			if err != nil {
				t.Fatal(err)
			}
			g, err := ParseFile(b)
			if err != nil || !c.check(g) {
				t.Errorf("%s\n  does not round-trip: %v %+v", c.sentence, err, g)
			}
		}
	}
}

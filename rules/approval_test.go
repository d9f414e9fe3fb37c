package rules

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestApprovalPreset pins the ages at which a new program needs a parent's
// yes: on up to 8, offered (off) from 9 to 12, off from 13.
func TestApprovalPreset(t *testing.T) {
	cases := []struct {
		sentence    string
		ages        []int
		on, offered bool
	}{
		{"a birth year in the future gets the strictest: on", []int{-1}, true, true},
		{"up to 8 a child cannot judge a download: on by default", []int{0, 1, 5, 6, 8}, true, true},
		{"9–12: offered to the parent, off by default", []int{9, 10, 11, 12}, false, true},
		{"13 and over: off, not offered (a parent may still turn it on)", []int{13, 15, 17, 18, 40}, false, false},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			for _, age := range c.ages {
				on, offered := ApprovalPreset(age)
				if on != c.on || offered != c.offered {
					t.Errorf("age %d: on %v offered %v, want %v %v", age, on, offered, c.on, c.offered)
				}
				if p := Preset(age); p.ApproveNew != c.on {
					t.Errorf("age %d: Preset's ApproveNew %v, want %v", age, p.ApproveNew, c.on)
				}
			}
		})
	}
}

// TestApproveNewInAProfile: the field overrides the preset both ways, is
// written back by EncodeFile, and anything but a boolean names the field.
func TestApproveNewInAProfile(t *testing.T) {
	now := time.Date(2025, 3, 5, 16, 0, 0, 0, time.UTC)
	cases := []struct {
		sentence string
		child    string // the child's fields after name and birth year
		want     bool
	}{
		{"a 7-year-old's preset turns it on", ``, true},
		{"a parent may turn it off for a 7-year-old", `,"approveNew":false`, false},
		{"an 11-year-old's preset leaves it off", `,"preset":"age:11"`, false},
		{"a parent may turn it on for an 11-year-old", `,"preset":"age:11","approveNew":true`, true},
		{"and for a 15-year-old", `,"preset":"age:15","approveNew":true`, true},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			src := `{"version":1,"children":[{"name":"An","birthYear":2018,"accounts":["an"]` + c.child + `}]}`
			f, err := ParseFile([]byte(src))
			if err != nil {
				t.Fatalf("parse %s: %v", src, err)
			}
			p, _, err := f.PolicyFor("an", now)
			if err != nil {
				t.Fatal(err)
			}
			if p.ApproveNew != c.want {
				t.Errorf("ApproveNew %v, want %v", p.ApproveNew, c.want)
			}
			out, err := EncodeFile(f)
			if err != nil {
				t.Fatal(err)
			}
			back, err := ParseFile(out)
			if err != nil {
				t.Fatalf("parse back %s: %v", out, err)
			}
			if p2, _, _ := back.PolicyFor("an", now); p2.ApproveNew != c.want {
				t.Errorf("after EncodeFile: ApproveNew %v, want %v", p2.ApproveNew, c.want)
			}
		})
	}
	_, err := ParseFile([]byte(`{"version":1,"children":[{"name":"An","birthYear":2018,"approveNew":"yes"}]}`))
	var fe *FieldError
	if !errors.As(err, &fe) || !strings.HasSuffix(fe.Path, "approveNew") {
		t.Errorf("a string for approveNew: %v, want a field error naming approveNew", err)
	}
}

package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWebBlocked(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	addChild(t, s, "An", "an")
	if err := s.AddWebBlocked(ctx, []WebBlock{
		{Child: "An", Day: day0, Category: "adult", Count: 3},
		{Child: "An", Day: day0, Category: "gambling", Count: 1},
		{Child: "An", Day: day0, Category: "adult", Count: 2, Name: "bad.example"},
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.WebBlocked(ctx, "An", day0)
	if err != nil {
		t.Fatal(err)
	}
	if got["adult"] != 5 || got["gambling"] != 1 {
		t.Errorf("counts: %v; want adult 5, gambling 1", got)
	}
	names, err := s.WebBlockedNames(ctx, "An", day0)
	if err != nil || len(names) != 1 || names[0].Name != "bad.example" || names[0].Count != 2 {
		t.Errorf("names: %+v, %v", names, err)
	}
	cases := []struct {
		sentence string
		b        WebBlock
		field    string
	}{
		{"a bad day is refused", WebBlock{Child: "An", Day: "yesterday", Category: "adult", Count: 1}, "day"},
		{"a bad category is refused", WebBlock{Child: "An", Day: day0, Category: "Adult Sites", Count: 1}, "category"},
		{"a count of 0 is refused", WebBlock{Child: "An", Day: day0, Category: "adult"}, "count"},
		{"an unknown child is refused", WebBlock{Child: "Nobody", Day: day0, Category: "adult", Count: 1}, "child"},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			err := s.AddWebBlocked(ctx, []WebBlock{{Child: "An", Day: day0, Category: "adult", Count: 1}, c.b})
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != c.field {
				t.Fatalf("err %v; want a ValidationError on %s", err, c.field)
			}
			// Nothing of the batch was written.
			if got, _ := s.WebBlocked(ctx, "An", day0); got["adult"] != 5 {
				t.Errorf("adult = %d after a refused batch; want 5", got["adult"])
			}
		})
	}
	t.Run("pruning drops old days", func(t *testing.T) {
		if err := s.Prune(ctx, time.Now().AddDate(3, 0, 0)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.WebBlocked(ctx, "An", day0); len(got) != 0 {
			t.Errorf("after pruning: %v", got)
		}
		if names, _ := s.WebBlockedNames(ctx, "An", day0); len(names) != 0 {
			t.Errorf("names after pruning: %v", names)
		}
	})
}

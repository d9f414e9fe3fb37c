package store

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestEvents(t *testing.T) {
	ctx := context.Background()
	s, c := newStore(t)
	addChild(t, s, "An")
	addChild(t, s, "Binh")
	var appended []Event
	for i, e := range []Event{
		{Kind: "agent_start"},
		{Child: "An", Kind: "warning", Detail: map[string]any{"minutes_left": 5.0}},
		{Child: "Binh", Kind: "app_closed", Detail: map[string]any{"app": "minecraft"}},
		{Child: "An", Kind: "lock", At: t0.Add(time.Hour)},
	} {
		c.set(t0.Add(timeMinutes(i)))
		got, err := s.AppendEvent(ctx, e)
		if err != nil {
			t.Fatalf("AppendEvent %d: %v", i, err)
		}
		appended = append(appended, got)
	}
	t.Run("AppendEvent returns the event with an id and time", func(t *testing.T) {
		if appended[0].ID == 0 || !appended[0].At.Equal(t0) || !appended[3].At.Equal(t0.Add(time.Hour)) {
			t.Fatalf("appended %+v", appended)
		}
	})
	t.Run("Events since a time returns later events oldest first", func(t *testing.T) {
		es, err := s.Events(ctx, t0.Add(timeMinutes(1)), "")
		if err != nil || len(es) != 3 || es[0].Kind != "warning" || es[2].Kind != "lock" {
			t.Fatalf("Events = %+v, %v", es, err)
		}
		if !reflect.DeepEqual(es[0], appended[1]) {
			t.Errorf("read back %+v; appended %+v", es[0], appended[1])
		}
	})
	t.Run("Events of one child leaves out the others", func(t *testing.T) {
		es, err := s.Events(ctx, time.Time{}, "An")
		if err != nil || len(es) != 2 || es[0].Child != "An" || es[1].Child != "An" {
			t.Fatalf("Events(An) = %+v, %v", es, err)
		}
	})
	t.Run("events cannot be changed", func(t *testing.T) {
		_, err := s.w.Exec("UPDATE events SET kind = 'nothing' WHERE id = ?", appended[1].ID)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("UPDATE events: %v", err)
		}
	})
	bad := []struct {
		name  string
		e     Event
		want  error
		field string
	}{
		{"an event of an unknown child is refused", Event{Child: "Nobody", Kind: "lock"}, ErrNotFound, "child"},
		{"an event without a kind is refused", Event{}, nil, "kind"},
		{"a kind with capitals or spaces is refused", Event{Kind: "App Closed"}, nil, "kind"},
		{"a detail that cannot be JSON is refused", Event{Kind: "x", Detail: map[string]any{"f": func() {}}}, nil, "detail"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			unchanged(t, s, func() {
				_, err := s.AppendEvent(ctx, tt.e)
				checkErr(t, err, tt.want, tt.field)
			})
		})
	}
	t.Run("Events of an unknown child is ErrNotFound", func(t *testing.T) {
		_, err := s.Events(ctx, time.Time{}, "Nobody")
		checkErr(t, err, ErrNotFound, "child")
	})
}

func TestRequests(t *testing.T) {
	ctx := context.Background()
	s, c := newStore(t)
	addChild(t, s, "An")
	addChild(t, s, "Binh")
	r1, err := s.AddRequest(ctx, Request{Child: "An", Kind: KindGame, Amount: 30 * time.Minute, Reason: "finish the level", Day: day0})
	if err != nil {
		t.Fatal(err)
	}
	c.set(t0.Add(time.Minute))
	r2, err := s.AddRequest(ctx, Request{Child: "An", Kind: KindScreen, Amount: 20 * time.Minute, Day: day0})
	if err != nil {
		t.Fatal(err)
	}
	r3, err := s.AddRequest(ctx, Request{Child: "Binh", Kind: KindScreen, Amount: 10 * time.Minute, Day: day0})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("a new request is pending, with an id and a creation time", func(t *testing.T) {
		if r1.ID == 0 || r1.Status != StatusPending || !r1.CreatedAt.Equal(t0) {
			t.Fatalf("AddRequest = %+v", r1)
		}
		got, err := s.Request(ctx, r1.ID)
		if err != nil || !reflect.DeepEqual(got, r1) {
			t.Fatalf("Request = %+v, %v; want %+v", got, err, r1)
		}
	})
	t.Run("approving with 0 grants the amount asked for the request's day", func(t *testing.T) {
		c.set(t0.Add(2 * time.Minute))
		got, err := s.Answer(ctx, r1.ID, true, 0, "parent")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != StatusApproved || got.Granted != 30*time.Minute || got.AnsweredBy != "parent" || !got.AnsweredAt.Equal(t0.Add(2*time.Minute)) {
			t.Fatalf("Answer = %+v", got)
		}
		u, err := s.Today(ctx, "An", day0)
		if err != nil || u.GrantedGames != 30*time.Minute || u.GrantedScreen != 0 {
			t.Fatalf("Today after approval = %+v, %v", u, err)
		}
	})
	t.Run("approving with less grants what the parent chose", func(t *testing.T) {
		got, err := s.Answer(ctx, r2.ID, true, 5*time.Minute, "parent")
		if err != nil || got.Granted != 5*time.Minute {
			t.Fatalf("Answer = %+v, %v", got, err)
		}
		u, _ := s.Today(ctx, "An", day0)
		if u.GrantedScreen != 5*time.Minute {
			t.Fatalf("GrantedScreen = %v", u.GrantedScreen)
		}
	})
	t.Run("denying grants nothing", func(t *testing.T) {
		got, err := s.Answer(ctx, r3.ID, false, time.Hour, "parent")
		if err != nil || got.Status != StatusDenied || got.Granted != 0 {
			t.Fatalf("Answer = %+v, %v", got, err)
		}
		u, _ := s.Today(ctx, "Binh", day0)
		if u.GrantedScreen != 0 {
			t.Fatalf("GrantedScreen = %v", u.GrantedScreen)
		}
	})
	t.Run("answering twice is ErrAlreadyAnswered and changes nothing", func(t *testing.T) {
		unchanged(t, s, func() {
			_, err := s.Answer(ctx, r1.ID, true, time.Hour, "other parent")
			checkErr(t, err, ErrAlreadyAnswered, "")
			_, err = s.Answer(ctx, r3.ID, true, time.Hour, "other parent")
			checkErr(t, err, ErrAlreadyAnswered, "")
		})
	})
	t.Run("Requests filters by child and status, newest first", func(t *testing.T) {
		all, err := s.Requests(ctx, "", "")
		if err != nil || len(all) != 3 || all[0].ID != r3.ID {
			t.Fatalf("Requests = %+v, %v", all, err)
		}
		an, err := s.Requests(ctx, "An", StatusApproved)
		if err != nil || len(an) != 2 {
			t.Fatalf("Requests(An, approved) = %+v, %v", an, err)
		}
		none, err := s.Requests(ctx, "Binh", StatusPending)
		if err != nil || len(none) != 0 {
			t.Fatalf("Requests(Binh, pending) = %+v, %v", none, err)
		}
	})
	t.Run("requests and answers leave request, answer and grant events", func(t *testing.T) {
		es, err := s.Events(ctx, time.Time{}, "")
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, e := range es {
			count[e.Kind]++
		}
		if count["request"] != 3 || count["answer"] != 3 || count["grant"] != 2 {
			t.Fatalf("event counts %v", count)
		}
	})
	badAdd := []struct {
		name  string
		r     Request
		want  error
		field string
	}{
		{"a request from an unknown child is refused", Request{Child: "Nobody", Kind: KindScreen, Amount: time.Minute, Day: day0}, ErrNotFound, "child"},
		{"a request for nothing is refused", Request{Child: "An", Kind: KindScreen, Day: day0}, nil, "amount"},
		{"a request for over 24 h is refused", Request{Child: "An", Kind: KindScreen, Amount: 48 * time.Hour, Day: day0}, nil, "amount"},
		{"a request of a bad kind is refused", Request{Child: "An", Kind: "tv", Amount: time.Minute, Day: day0}, nil, "kind"},
		{"a request without a day is refused", Request{Child: "An", Kind: KindScreen, Amount: time.Minute}, nil, "day"},
		{"an over-long reason is refused", Request{Child: "An", Kind: KindScreen, Amount: time.Minute, Day: day0, Reason: strings.Repeat("x", 501)}, nil, "reason"},
	}
	for _, tt := range badAdd {
		t.Run(tt.name, func(t *testing.T) {
			unchanged(t, s, func() {
				_, err := s.AddRequest(ctx, tt.r)
				checkErr(t, err, tt.want, tt.field)
			})
		})
	}
	r4, err := s.AddRequest(ctx, Request{Child: "An", Kind: KindScreen, Amount: time.Minute, Day: day0})
	if err != nil {
		t.Fatal(err)
	}
	badAnswer := []struct {
		name    string
		id      int64
		granted time.Duration
		by      string
		want    error
		field   string
	}{
		{"answering an unknown request is ErrNotFound", 999, 0, "parent", ErrNotFound, ""},
		{"answering without saying who is refused", r4.ID, 0, "", nil, "by"},
		{"granting a negative time is refused", r4.ID, -time.Minute, "parent", nil, "granted"},
		{"granting over 24 h is refused", r4.ID, 25 * time.Hour, "parent", nil, "granted"},
	}
	for _, tt := range badAnswer {
		t.Run(tt.name, func(t *testing.T) {
			unchanged(t, s, func() {
				_, err := s.Answer(ctx, tt.id, true, tt.granted, tt.by)
				checkErr(t, err, tt.want, tt.field)
			})
		})
	}
	t.Run("Request of an unknown id is ErrNotFound", func(t *testing.T) {
		if _, err := s.Request(ctx, 999); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Request: %v", err)
		}
	})
	t.Run("Requests with a bad status is refused", func(t *testing.T) {
		_, err := s.Requests(ctx, "", "maybe")
		checkErr(t, err, nil, "status")
	})
}

func TestSettings(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	tests := []struct {
		name string
		key  string
		v    []byte
		want []byte
	}{
		{"a value is stored and read back", "pin_hash", []byte("$argon2id$..."), []byte("$argon2id$...")},
		{"a second write replaces the value", "pin_hash", []byte("new"), []byte("new")},
		{"a nil value reads back empty", "empty", nil, []byte{}},
		{"binary values survive", "totp", []byte{0, 1, 2, 255}, []byte{0, 1, 2, 255}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.SetSetting(ctx, tt.key, tt.v); err != nil {
				t.Fatal(err)
			}
			got, err := s.Setting(ctx, tt.key)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Setting = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	t.Run("a missing key is ErrNotFound", func(t *testing.T) {
		if _, err := s.Setting(ctx, "nothing"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Setting: %v", err)
		}
	})
	t.Run("an empty key is refused", func(t *testing.T) {
		unchanged(t, s, func() { checkErr(t, s.SetSetting(ctx, "", []byte("x")), nil, "key") })
	})
}

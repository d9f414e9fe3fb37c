package console_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/ui/console"
)

// A Vietnamese parent types durations in Vietnamese, and is told what is
// wrong in Vietnamese: the form's own refusals and the daemon's errors.
func TestAVietnameseParentIsAnsweredInVietnamese(t *testing.T) {
	f, mum, wire := family(t)
	c := openIn(t, mum, "vi")
	c.Main.Select(1)
	r := c.Main.Rules
	// durations are picked, and read the way Today says them
	if got := r.Days[1].Games.Hours.Selected; got != "1 giờ" {
		t.Errorf("Tuesday's games read %q, want “1 giờ”", got)
	}
	r.Days[1].Games.Hours.SetSelected("1 giờ")
	r.Days[1].Games.Minutes.SetSelected("30 phút")
	r.Days[1].Screen.Hours.SetSelected("3 giờ")
	r.Days[1].Hours.SetText("25:00-26:00")
	test.Tap(r.Save)
	if n := wire.Count("PUT", apitype.RouteChild+"An/policy"); n != 0 || !strings.HasPrefix(r.Error.Text, "Chưa lưu") || !strings.Contains(r.Error.Text, "hãy viết giờ như 06:30-20:00") {
		t.Fatalf("an hour that does not exist: saved %d, error %q", n, r.Error.Text)
	}
	r.Days[1].Hours.SetText("06:00-20:00")
	test.Tap(r.Save)
	if r.Error.Text != "" {
		t.Fatalf("3 giờ and 1 giờ 30 phút should save, error %q", r.Error.Text)
	}
	if p := rulesOf(t, f.World, "An"); p.Screen[time.Tuesday] != 3*time.Hour || p.Games[time.Tuesday] != 90*time.Minute {
		t.Errorf("Tuesday: screen %v, games %v", p.Screen[time.Tuesday], p.Games[time.Tuesday])
	}
	cases := []struct {
		sentence string
		err      error
		want     string
	}{
		{"a wrong PIN", &client.APIError{Code: apitype.CodeNotAllowed, Message: "wrong PIN", Key: "err.pin.wrong"}, "Mã PIN không đúng."},
		{"the wait", &client.APIError{Code: apitype.CodeRateLimited, Message: "too many", RetryAfterSec: 90, Key: "err.rateLimited"}, "Thử sai quá nhiều lần. Hãy đợi 1 phút 30 giây."},
		{"an account taken", &client.APIError{Code: apitype.CodeConflict, Message: "conflict", Key: "err.account.taken", Args: map[string]string{"account": "kid", "child": "An"}},
			"Tài khoản kid đã thuộc về An."},
		{"wrapped", errors.Join(errors.New("add child"), &client.APIError{Code: apitype.CodeNotFound, Message: "x", Key: "err.child.notFound", Args: map[string]string{"name": "Bo"}}),
			"Không có con nào tên Bo."},
	}
	for _, tc := range cases {
		if got := console.ErrorText(tc.err); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.sentence, got, tc.want)
		}
	}
}

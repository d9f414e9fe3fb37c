package console

import (
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/ui/i18n"
)

func TestWebLine(t *testing.T) {
	cases := []struct {
		sentence string
		web      *apitype.WebStatus
		en, vi   string
	}{
		{"no web status, no line", nil, "", ""},
		{"a filter this PC does not enforce says so",
			&apitype.WebStatus{Filter: "standard", SafeSearch: true},
			"Web filter: not working on this computer.", "Bộ lọc web: chưa hoạt động trên máy này."},
		{"a child kidtime has no resolver for: websites are closed, and the parent is told what to do",
			&apitype.WebStatus{Filter: "standard", Closed: true},
			"Web filter: kidtime has no filter ready for this child, so websites do not open for them. Restart kidtime's service; see its log.",
			"Bộ lọc web: kidtime chưa có bộ lọc sẵn sàng cho con, nên con không mở được trang web nào. Hãy khởi động lại dịch vụ kidtime; xem nhật ký của dịch vụ."},
		{"nothing blocked",
			&apitype.WebStatus{Filter: "standard", Active: true},
			"Web filter: standard · nothing blocked today.", "Bộ lọc web: tiêu chuẩn · hôm nay chưa chặn gì."},
		{"counts by category, never names",
			&apitype.WebStatus{Filter: "light", Active: true, BlockedToday: 12, ByCategory: map[string]int64{"gambling": 3, "adult": 9}},
			"Web filter: light · 12 lookups blocked today (adult 9, gambling 3).", "Bộ lọc web: nhẹ · hôm nay đã chặn 12 lượt truy cập (người lớn 9, cờ bạc 3)."},
		{"one lookup",
			&apitype.WebStatus{Filter: "allowlist", Active: true, BlockedToday: 1, ByCategory: map[string]int64{"allowlist": 1}},
			"Web filter: allowed sites only · 1 lookup blocked today (not on the allowed list 1).", "Bộ lọc web: chỉ trang được phép · hôm nay đã chặn 1 lượt truy cập (ngoài danh sách được phép 1)."},
	}
	test.NewTempApp(t)
	for _, l := range []string{"en", "vi"} {
		if err := i18n.Setup(l); err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			want := c.en
			if l == "vi" {
				want = c.vi
			}
			if got := WebLine(apitype.ChildStatus{Name: "An", Web: c.web}); got != want {
				t.Errorf("%s (%s): %q; want %q", c.sentence, l, got, want)
			}
		}
	}
}

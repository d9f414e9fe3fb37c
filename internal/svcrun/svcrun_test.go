package svcrun

import (
	"log/slog"
	"strings"
	"testing"
)

func TestLogger(t *testing.T) {
	old := slog.Default()
	t.Cleanup(func() { slog.SetDefault(old) })
	tests := []struct {
		level     string
		wantErr   bool
		debugSeen bool
	}{
		{"debug", false, true},
		{"info", false, false},
		{"warn", false, false},
		{"loud", true, false},
	}
	for _, tc := range tests {
		t.Run(tc.level, func(t *testing.T) {
			var b strings.Builder
			log, err := Logger(tc.level, &b)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "--log-level") {
					t.Fatalf("Logger(%q) = %v, want an error naming --log-level", tc.level, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// What a package logs through slog's default reaches w, in
			// the logger's form and at its level.
			slog.Debug("from a package", "k", 1)
			slog.Warn("a warning")
			out := b.String()
			if got := strings.Contains(out, `msg="from a package" k=1`); got != tc.debugSeen {
				t.Errorf("debug line through the default written = %v, want %v:\n%s", got, tc.debugSeen, out)
			}
			if !strings.Contains(out, "level=WARN") {
				t.Errorf("a warning through the default is missing or not in the text form:\n%s", out)
			}
			if slog.Default().Handler() != log.Handler() {
				t.Error("the logger is not slog's default")
			}
		})
	}
}

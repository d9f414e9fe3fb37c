package companion

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/ui/i18n"
	"github.com/kidtime/kidtime/ui/widgets"
)

// leftText is the time left in large type; at zero it says it is break
// time, and with no limit it says so.
func leftText(sec int64) string {
	if sec < 0 {
		return lang.L("companion.noLimit")
	}
	if sec == 0 {
		return lang.L("companion.rest")
	}
	return i18n.Seconds(sec)
}

// usedOf is the bar's caption: "45 min of 2 h", or "45 min, no limit".
func usedOf(used, limit int64) string {
	if limit < 0 {
		return lang.L("companion.usedNoLimit", map[string]any{"Used": i18n.Seconds(used)})
	}
	return lang.L("companion.usedOf", map[string]any{"Used": i18n.Seconds(used), "Limit": i18n.Seconds(limit)})
}

func colorFor(state string, normal color.Color) color.Color {
	if state == apitype.StateOK {
		return normal
	}
	return widgets.StateColor(state)
}

// StateSentence says the child's state in plain, calm words.
func StateSentence(st apitype.ChildStatus, now time.Time) string {
	switch st.State {
	case apitype.StateWarn:
		left, ok := soonest(st)
		if !ok {
			return lang.L("state.warnSoon")
		}
		return lang.L("state.warn", map[string]any{"Left": i18n.Seconds(left)})
	case apitype.StateGrace:
		if saveKey(st) == "companion.saveWork" {
			return lang.L("state.graceWork")
		}
		return lang.L("state.grace")
	case apitype.StateBlocked:
		if !st.BackAt.IsZero() {
			return lang.L("state.blockedUntil", map[string]any{"When": i18n.When(st.BackAt, now)})
		}
		return lang.L("state.blocked")
	}
	return lang.L("state.ok")
}

// ReasonSentence is the rule in force in plain words: the agent's reason key
// translated, or a sentence for the state when the key is unknown.
func ReasonSentence(st apitype.ChildStatus) string {
	fallback := ""
	switch st.State {
	case apitype.StateBlocked:
		fallback = lang.L("reason.blocked")
	case apitype.StateWarn, apitype.StateGrace:
		fallback = lang.L("reason.ending")
	default:
		return lang.L("reason.ok")
	}
	if st.ReasonKey == "" {
		return fallback
	}
	return lang.X(st.ReasonKey, fallback)
}

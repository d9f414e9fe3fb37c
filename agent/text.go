package agent

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/localapi"
	"github.com/kidtime/kidtime/assets"
	"github.com/kidtime/kidtime/rules"
)

// lang is the language of the daemon's messages: the parent's setting, or
// the system's.
func (a *Agent) lang() string {
	if b, err := a.st.Setting(context.Background(), localapi.SettingOptions); err == nil {
		var o struct {
			Language string `json:"language"`
		}
		if json.Unmarshal(b, &o) == nil && o.Language != "" {
			return o.Language
		}
	}
	return assets.SystemLanguage()
}

// warningText is a warning's notification, in the child's words.
func warningText(lang string, w rules.Warning) (title, body string) {
	left := assets.HumanDuration(lang, int64(w.Left/time.Second))
	title = assets.T(lang, "notify.title")
	app := ""
	if w.App != nil {
		app = w.App.Name
	}
	grace := w.Threshold == 0
	switch {
	case grace && strings.HasPrefix(w.Subject, "games"):
		body = assets.T(lang, "warn.grace.games", left)
	case grace && app != "":
		body = assets.T(lang, "warn.grace.app", app, left)
	case grace:
		body = assets.T(lang, "warn.grace.screen", left)
	case w.Reason == rules.ReasonHoursEnd:
		body = assets.T(lang, "warn.hours", left)
	case strings.HasPrefix(w.Subject, "games"):
		body = assets.T(lang, "warn.games", left)
	case app != "":
		body = assets.T(lang, "warn.app", left, app)
	default:
		body = assets.T(lang, "warn.screen", left)
	}
	return title, body + " " + assets.T(lang, "warn.help")
}

package companion

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/kidtime/kidtime/agent/apitype"
)

// tellAppStopped tells the child, once per try, why a new program closed as
// it started: it waits for a parent's yes (or a parent said no). The agent
// names the last such program in the status (appStopped); the companion
// shows a notification and keeps the sentence in the window's notice. It
// must run on the Fyne thread.
func (c *Companion) tellAppStopped(st apitype.ChildStatus) {
	s := st.AppStopped
	c.mu.Lock()
	seen := c.stopSeen
	fresh := s != nil && s.At.After(seen)
	if fresh {
		c.stopSeen = s.At
	}
	c.mu.Unlock()
	if !fresh {
		return
	}
	if seen.IsZero() && c.now().Sub(s.At) > restopWindow {
		return // from before this companion started: old news
	}
	body := AppStoppedSentence(*s)
	c.notice.SetText(body)
	n := fyne.NewNotification(lang.L("companion.appTitle"), body)
	c.mu.Lock()
	c.sent = append(c.sent, n)
	c.mu.Unlock()
	c.app.SendNotification(n)
}

// restopWindow is how old a stopped program may be for a companion that
// just started to still tell it.
const restopWindow = time.Minute

// AppStoppedSentence says why a program closed, in the child's words.
func AppStoppedSentence(s apitype.AppStopped) string {
	data := map[string]any{"App": s.Name}
	switch s.Status {
	case apitype.StatusDenied:
		return lang.L("companion.appDenied", data)
	case "full":
		return lang.L("companion.appFull", data)
	}
	return lang.L("companion.appPending", data)
}

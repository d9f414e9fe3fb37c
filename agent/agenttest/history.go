package agenttest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"time"

	"github.com/kidtime/kidtime/agent/store"
)

// Use is a stretch of a child's use of one app, for History.
type Use struct {
	Child string
	// App is the app's name; Path defaults to /usr/bin/App, SHA256 to
	// Sum(App), Category ("game", "education", "browser", …) to none.
	App, Path, SHA256, Category string
	// Game counts the stretch as game time as well as screen time.
	Game       bool
	Start, End time.Time
}

// Sum is the SHA-256 History gives an app by default: the sum of its name.
func Sum(app string) string {
	h := sha256.Sum256([]byte(app))
	return hex.EncodeToString(h[:])
}

// History writes use the agent would have counted into the world's store,
// the way its accountant does (an interval per app, screen and game time;
// the day is the local date of the start), so that the reports have days
// behind them that no test can wait for. The agent is stopped while the
// store is written and started again on the same data, as after a
// restart. The children must exist.
func (w *World) History(uses ...Use) {
	t := w.t
	t.Helper()
	w.Stop()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(w.Data, "kidtime.db"), store.WithNow(w.Clock.Wall))
	if err != nil {
		t.Fatalf("agenttest: history: %v", err)
	}
	ids := map[string]int64{}
	for _, u := range uses {
		id, ok := ids[u.App]
		if !ok {
			app := store.App{Path: u.Path, SHA256: u.SHA256, Name: u.App, Category: u.Category}
			if app.Path == "" {
				app.Path = "/usr/bin/" + u.App
			}
			if app.SHA256 == "" {
				app.SHA256 = Sum(u.App)
			}
			a, err := st.UpsertApp(ctx, app)
			if err != nil {
				st.Close()
				t.Fatalf("agenttest: history: app %s: %v", u.App, err)
			}
			id, ids[u.App] = a.ID, a.ID
		}
		iv := store.Interval{Child: u.Child, AppID: id, Kind: store.KindScreen, Session: "agenttest",
			Day: u.Start.Format(time.DateOnly), Start: u.Start, End: u.End}
		err := st.AddUsage(ctx, iv)
		if err == nil && u.Game {
			iv.Kind = store.KindGame
			err = st.AddUsage(ctx, iv)
		}
		if err != nil {
			st.Close()
			t.Fatalf("agenttest: history: %+v: %v", u, err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatalf("agenttest: history: %v", err)
	}
	w.Restart()
}

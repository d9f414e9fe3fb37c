package agent

import (
	"context"
	"time"

	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/agent/hubsync"
	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
)

// What a PC's rollups say, by the hub's kind (issue 13). In a family hub
// they carry the child's name, the PC's name and each app's time (its
// display name and category: the parents' own data, which the family's
// other PCs show in their console). In a school hub they carry neither,
// unless the hub's signed policy in force here says "shareNames": true.
// Never window titles nor paths.

// maxPerApp bounds a rollup's per-app list (the most used first).
const maxPerApp = 100

// detail reports whether the rollups sent through cl carry names and
// per-app totals.
func (h *hubLink) detail(cl *hubsync.Client) bool {
	return cl.Kind() == wire.KindFamily || h.shareNames.Load()
}

// policyShares reports whether a signed policy says shareNames.
func policyShares(raw []byte) bool {
	s, signed, err := rules.OpenSignedPolicy(raw)
	if err != nil || !signed {
		return false
	}
	f, err := rules.ParseFile(s.Policy)
	return err == nil && f.ShareNames
}

// addDetail adds the child's name, the PC's name and the day's per-app
// totals to r (apps: the store's, by id).
func (a *Agent) addDetail(ctx context.Context, r *wire.Rollup, ch store.Child, pcName string, apps map[int64]store.App) error {
	r.Name, r.PCName = ch.Name, pcName
	if r.ScreenSec+r.GamesSec == 0 {
		return nil
	}
	rows, err := a.st.Summary(ctx, ch.Name, r.Day, r.Day, "app")
	if err != nil {
		return err
	}
	for _, row := range rows {
		sec := int64(max(row.Screen, row.Games) / time.Second) // a game's time is screen time too
		if sec <= 0 || len(r.PerApp) >= maxPerApp {
			continue
		}
		ap := apps[row.AppID]
		name := ap.Name
		if name == "" {
			name = row.Key
		}
		if name == "" {
			continue
		}
		r.PerApp = append(r.PerApp, wire.AppTime{Name: name, Category: ap.Category, Sec: sec})
	}
	return nil
}

// appsByID are the store's apps by id.
func (a *Agent) appsByID(ctx context.Context) (map[int64]store.App, error) {
	list, err := a.st.Apps(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]store.App, len(list))
	for _, ap := range list {
		out[ap.ID] = ap
	}
	return out, nil
}

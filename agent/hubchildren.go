package agent

import (
	"cmp"
	"slices"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/localapi"
)

// The children across the family's PCs (issue 13): in a family hub a
// rollup carries the child's name and the PC's, so a parent at any PC sees
// every child of the family, those known only on another PC included, with
// their day there (localapi: GET /v1/children and /v1/status).

var _ localapi.FamilyChildren = (*hubLink)(nil)

// FamilyChildren are the children the family's other PCs reported for
// day, by name: the sums of their rollups, the PCs' names and each app's
// time. A rollup without a name (a school hub, an older PC) is left out.
func (h *hubLink) FamilyChildren(day string) []apitype.ChildStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []apitype.ChildStatus
	for _, byPC := range h.others {
		cs := apitype.ChildStatus{Accounts: []string{}, Elsewhere: true, State: apitype.StateElsewhere}
		apps := map[[2]string]int64{}
		for pc, r := range byPC {
			if r.Day != day || r.Name == "" {
				continue
			}
			cs.Name = r.Name
			cs.Age = max(cs.Age, r.Age)
			name := r.PCName
			if name == "" {
				name = pc
			}
			cs.PCs = append(cs.PCs, name)
			cs.ScreenUsedSec += r.ScreenSec
			cs.GamesUsedSec += r.GamesSec
			for _, x := range r.PerApp {
				apps[[2]string{x.Name, x.Category}] += x.Sec
			}
		}
		if cs.Name == "" {
			continue
		}
		slices.Sort(cs.PCs)
		for k, sec := range apps {
			cs.PerApp = append(cs.PerApp, apitype.AppTime{Name: k[0], Category: k[1], Sec: sec})
		}
		slices.SortFunc(cs.PerApp, func(a, b apitype.AppTime) int {
			return cmp.Or(cmp.Compare(b.Sec, a.Sec), cmp.Compare(a.Name, b.Name))
		})
		out = append(out, cs)
	}
	slices.SortFunc(out, func(a, b apitype.ChildStatus) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

package localapi

import (
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
)

// ChildState is what the agent knows of a child now; the API shapes it
// into an apitype.ChildStatus.
type ChildState struct {
	Child         store.Child
	Decision      rules.Decision
	Policy        rules.Policy
	PolicyOK      bool          // the policy could be resolved
	Screen, Games time.Duration // counted today
	Active        bool          // at the PC at the last tick
	GamesPaused   bool
	LockRequested bool      // a parent's one-time lock the companion must carry out
	LogoutAt      time.Time // when a child still at the PC will be logged out
	CompanionSeen time.Time
	Foreground    string // the app in front, when the companion said
	ByDefault     bool   // an account no parent named, held by the default profile
	// AppStopped is the last program stopped for a parent's yes.
	AppStopped *apitype.AppStopped
	// Web is the child's safe web (filter, SafeSearch, blocked today).
	Web *apitype.WebStatus
}

// childStatus shapes a child's state for the API.
func childStatus(cs ChildState, now time.Time) apitype.ChildStatus {
	dec := cs.Decision
	st := apitype.ChildStatus{
		Name: cs.Child.Name, Accounts: cs.Child.Accounts, Age: rules.AgeIn(cs.Child.BirthYear, now),
		State: dec.State.String(), Reason: string(dec.Reason), ReasonKey: dec.Reason.MessageKey(),
		Active: cs.Active, ScreenUsedSec: secs(cs.Screen), GamesUsedSec: secs(cs.Games),
		ScreenLeftSec: secs(dec.Screen.Left), GamesLeftSec: secs(dec.Games.Left),
		GamesPaused: cs.GamesPaused, CompanionSeen: cs.CompanionSeen,
		LockRequested: cs.LockRequested, Foreground: cs.Foreground, DefaultProfile: cs.ByDefault,
		AppStopped: cs.AppStopped, Web: cs.Web,
	}
	if dec.At.IsZero() {
		st.State = apitype.StateOK
	}
	if dec.State == rules.StateOK {
		// A warning about a running app (a game's last minutes) shows too.
		for _, ad := range dec.Apps {
			if ad.State == rules.StateWarn || ad.State == rules.StateGrace {
				st.State, st.Reason, st.ReasonKey = ad.State.String(), string(ad.Reason), ad.Reason.MessageKey()
				if ad.Class.Game() && ad.Left < dec.Games.Left {
					st.GamesLeftSec = secs(ad.Left)
				}
			}
		}
	}
	if cs.PolicyOK {
		wd := now.Weekday()
		var gs, gg time.Duration
		for _, g := range cs.Policy.Grants {
			gs += g.Screen
			gg += g.Games
		}
		st.ScreenLimitSec = limitSecs(cs.Policy.Screen[wd], gs)
		st.GamesLimitSec = limitSecs(cs.Policy.Games[wd], gg)
	}
	if !dec.Next.IsZero() {
		st.NextChange = dec.Next
	}
	if dec.State == rules.StateBlocked {
		st.BackAt = backAt(cs.Policy, now)
		if cs.Active {
			st.LogoutAt = cs.LogoutAt
		}
	}
	return st
}

// secs is a duration for the API, -1 for no limit.
func secs(d time.Duration) int64 {
	if d == rules.Unlimited {
		return -1
	}
	return int64(d / time.Second)
}

func limitSecs(d, grant time.Duration) int64 {
	if d == rules.Unlimited {
		return -1
	}
	return int64((d + grant) / time.Second)
}

// backAt is when screen time comes back: the next allowed window's start
// after today, or the next midnight.
func backAt(p rules.Policy, now time.Time) time.Time {
	y, m, d := now.Date()
	for i := 1; i <= 7; i++ {
		day := time.Date(y, m, d+i, 0, 0, 0, 0, now.Location())
		if p.Screen[day.Weekday()] <= 0 {
			continue
		}
		for _, w := range p.Allowed[day.Weekday()] {
			// today's budget is what blocks; time comes back on another day
			return day.Add(time.Duration(w.Start) * time.Minute)
		}
	}
	return time.Date(y, m, d+1, 0, 0, 0, 0, now.Location())
}

package rules

import "time"

// AgeIn returns a child's age in the year of now, from the birth year alone:
// the age the child reaches this year. It is how Vietnamese schools group
// children (a class is a birth year), and it is what a policy file can know.
// It is negative for a birth year after now's year.
func AgeIn(birthYear int, now time.Time) int {
	return now.Year() - birthYear
}

// Preset returns the default policy for a child of the given age, as in the
// table of DESIGN.md §8. Every number is a default a parent can change.
//
// Sources (see research/vietnam.md for the texts):
//   - WHO 2019, "Guidelines on physical activity, sedentary behaviour and
//     sleep for children under 5": no screen time under 2 years; at most 1 h
//     for 2–4 years, less is better.
//   - AAP 2016 ("Media and Young Minds"; "Media Use in School-Aged Children
//     and Adolescents"): avoid screens under 18 months; 1 h a day for 2–5
//     years; no screens in the hour before bed.
//   - Canadian 24-Hour Movement Guidelines for Children and Youth (CSEP
//     2016): no more than 2 h a day of recreational screen time, 5–17 years;
//     9–11 h of sleep (5–13), 8–10 h (14–17).
//   - AASM 2016 consensus (Paruthi et al., J Clin Sleep Med 12(6)): sleep
//     10–13 h (3–5 years), 9–12 h (6–12), 8–10 h (13–18).
//   - Decree 147/2024/NĐ-CP Art. 38: game ratings 00+, 12+, 16+, 18+; Art.
//     39(1)(e) and 48(1)(e): under-18s play at most 60 minutes per game and
//     180 minutes a day.
//
// Screens go off one hour before a bedtime set so that a child waking at
// 06:00 on school days (Vietnamese schools start 06:45–07:00) gets the sleep
// above. Ages under 0 get the strictest preset; 18 and over are adults, who
// get Unrestricted (Decree 147's caps are for under-18s). The result's Age
// is age (0 for negative ages).
func Preset(age int) Policy {
	p := presetTable(age)
	p.Age = max(age, 0)
	p.ApproveNew, _ = ApprovalPreset(age)
	p.Web = WebPreset(age)
	return p
}

// ApprovalPreset says, for a child of the given age, whether a program the
// child obtained needs a parent's yes before it runs (on: up to 8), and
// whether a parent should be offered the choice when adding the child
// (offered: up to 12; off by default from 9). From 13 it is off and not
// offered, though a parent may still turn it on in the child's rules. The
// ages follow Apple's Ask to Buy (on by default under 13 in a family) and
// Google Family Link's app approvals, made stricter for the youngest, who
// cannot judge what they download.
func ApprovalPreset(age int) (on, offered bool) {
	switch {
	case age < 0:
		return true, true
	case age <= 8:
		return true, true
	case age <= 12:
		return false, true
	}
	return false, false
}

func presetTable(age int) Policy {
	switch {
	case age < 2:
		// 0–1: no screen time, no games (WHO 2019: not recommended under 2;
		// AAP 2016: avoid under 18 months). The hours stay open so that a
		// parent's grant (a video call with grandparents) can work.
		p := base(0, 0, 0, AllDay)
		p.MaxRating = Rating00
		return p
	case age <= 5:
		// 2–5: 1 h a day (WHO 2019 for 2–4; AAP 2016 for 2–5), of which 30
		// min of games (a design choice inside the hour); screens off
		// 19:00–06:00 (bed 20:00 for 10 h + nap, WHO/AASM 10–13 h, screens off
		// 1 h before, AAP); 00+ games only (Decree 147 Art. 38).
		p := base(time.Hour, 30*time.Minute, Unlimited, Window{6 * 60, 19 * 60})
		p.MaxRating = Rating00
		return p
	case age <= 8:
		// 6–8: 2 h (CSEP 2016: ≤2 h, 5–17), 1 h of games (Decree 147's 60
		// minutes, applied to all games together at this age); off
		// 19:30–06:00 (bed 20:30, 9.5 h: AASM 9–12 h, CSEP 9–11 h); 00+.
		p := base(2*time.Hour, time.Hour, Unlimited, Window{6 * 60, 19*60 + 30})
		p.MaxRating = Rating00
		return p
	case age <= 11:
		// 9–11: 2 h (CSEP 2016), 1 h of games (Decree 147, as above); off
		// 20:00–06:00 (bed 21:00, 9 h: AASM 9–12 h, CSEP 9–11 h); 00+.
		p := base(2*time.Hour, time.Hour, Unlimited, Window{6 * 60, 20 * 60})
		p.MaxRating = Rating00
		return p
	case age <= 15:
		// 12–15: 2 h (CSEP 2016); games 1 h per game (Decree 147 Art.
		// 39/48), all within the day's screen time; off 20:30–06:00 (bed
		// 21:30, 8.5 h: AASM 13–18 ≥ 8 h); 12+ (Decree 147 Art. 38).
		p := base(2*time.Hour, Unlimited, time.Hour, Window{6 * 60, 20*60 + 30})
		p.MaxRating = Rating12
		return p
	case age <= 17:
		// 16–17: 2 h (CSEP 2016; a parent may raise it to 3 h, as the
		// Swedish Public Health Agency 2024 allows for 13–18); games 1 h per
		// game and 3 h a day at most (Decree 147 Art. 39/48: 60 and 180
		// minutes); off 21:00–06:00 (bed 22:00, 8 h: AASM/CSEP 8–10 h); 16+.
		p := base(2*time.Hour, 3*time.Hour, time.Hour, Window{6 * 60, 21 * 60})
		p.MaxRating = Rating16
		return p
	default:
		return Unrestricted()
	}
}

// Unrestricted is the policy with no limits: unlimited time all day, every
// rating, the default warnings and grace. It is the base of the "none"
// preset, on which a profile sets only what it wants (say, school hours).
func Unrestricted() Policy {
	p := base(Unlimited, Unlimited, Unlimited, AllDay)
	p.MaxRating = Rating18
	p.Age = -1
	return p
}

func base(screen, games, perGame time.Duration, allowed Window) Policy {
	p := Policy{
		PerGame:  perGame,
		Warnings: append([]time.Duration(nil), DefaultWarnings...),
		Grace:    DefaultGrace,
		OnLimit:  ActionLock,
	}
	for d := range 7 {
		p.Screen[d] = screen
		p.Games[d] = games
		p.Allowed[d] = []Window{allowed}
	}
	return p
}

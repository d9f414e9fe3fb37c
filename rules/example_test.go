package rules_test

import (
	"fmt"
	"os"
	"time"

	"github.com/kidtime/kidtime/rules"
)

// A simulated afternoon of An (10, testdata/example.json): she plays
// Minecraft from 16:00, the agent sleeps until each Decision's Next, gives
// the warnings, closes the game when game time is over and locks the
// session when screen time is over.
func Example_simulatedDay() {
	data, err := os.ReadFile("testdata/example.json")
	if err != nil {
		panic(err)
	}
	file, err := rules.ParseFile(data)
	if err != nil {
		panic(err)
	}
	ict := time.FixedZone("ICT", 7*3600)
	now := time.Date(2025, time.March, 3, 16, 0, 0, 0, ict) // a Monday
	policy, _, err := file.PolicyFor("an", now)
	if err != nil {
		panic(err)
	}
	minecraft := rules.App{Name: "minecraft", Path: "/opt/minecraft/minecraft"}
	firefox := rules.App{Name: "firefox", Path: "/usr/bin/firefox"}
	// 30 minutes of homework in the morning.
	u := rules.Usage{Screen: 30 * time.Minute, Apps: []rules.AppUsage{{App: minecraft, Running: true}}}
	fmt.Printf("%s start: screen %s left, games %s left\n", now.Format("15:04"),
		rules.FormatDuration(rules.Evaluate(policy, u, now).Screen.Left),
		rules.FormatDuration(rules.Evaluate(policy, u, now).Games.Left))
	for range 100 {
		d := rules.Evaluate(policy, u, now)
		for _, w := range d.Warnings {
			if w.Threshold == 0 {
				fmt.Printf("%s %s: time is up, %s grace (%s)\n", now.Format("15:04:05"), w.Subject, rules.FormatDuration(policy.Grace), w.Reason)
			} else {
				fmt.Printf("%s %s: warning, %s left (%s)\n", now.Format("15:04:05"), w.Subject, rules.FormatDuration(w.Left), w.Reason)
			}
			u.Warned = append(u.Warned, w.Key)
		}
		for _, c := range d.Close {
			fmt.Printf("%s close %s: %s\n", now.Format("15:04:05"), c.App.Name, c.Reason.Sentence())
			u.Apps = []rules.AppUsage{{App: firefox, Running: true}} // she opens the browser instead
		}
		if d.Lock {
			fmt.Printf("%s %s the session: %s\n", now.Format("15:04:05"), d.Action, d.Screen.Reason.Sentence())
			break
		}
		step := d.Next.Sub(now)
		u.Screen += step
		for i := range u.Apps {
			u.Apps[i].Used += step
			if policy.Classify(u.Apps[i].App).Game() {
				u.Games += step
			}
		}
		now = d.Next
	}
	// Output:
	// 16:00 start: screen 1h30m left, games 1h left
	// 16:45:00 games: warning, 15m left (games.budget)
	// 16:55:00 games: warning, 5m left (games.budget)
	// 16:59:00 games: warning, 1m left (games.budget)
	// 17:00:00 games: time is up, 1m grace (games.spent)
	// 17:01:00 close minecraft: Game time for today is used up.
	// 17:15:00 screen: warning, 15m left (screen.budget)
	// 17:25:00 screen: warning, 5m left (screen.budget)
	// 17:29:00 screen: warning, 1m left (screen.budget)
	// 17:30:00 screen: time is up, 1m grace (screen.spent)
	// 17:31:00 lock the session: Screen time for today is used up.
}

package companion_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/ui/companion"
	"github.com/kidtime/kidtime/ui/i18n"
)

// TestAgainstTheWholeAgent runs the companion in a new child's session
// against the whole agent at the real time (agent/agenttest): it must be
// recognised as the child, send heartbeats, and ask for more time; the
// parent approves through the API and the companion shows the answer.
func TestAgainstTheWholeAgent(t *testing.T) {
	w := agenttest.Start(t, agenttest.Options{})
	ctx := context.Background()
	parent := w.Client(agenttest.Dad)
	if _, err := parent.Setup(ctx, "246810"); err != nil {
		t.Fatal(err)
	}
	if _, err := parent.AddChild(ctx, apitype.AddChildRequest{Name: "Mai", BirthYear: time.Now().Year() - 9, Accounts: []string{agenttest.Kid}}); err != nil {
		t.Fatal(err)
	}

	// the parent's own session: no companion
	test.NewTempApp(t)
	if err := companion.New(test.NewTempApp(t), parent, nil).Start(ctx); !errors.Is(err, companion.ErrNotChild) {
		t.Errorf("an admin's session: Start = %v, want ErrNotChild", err)
	}

	// the child's session
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	c := companion.New(test.NewTempApp(t), w.Client(agenttest.Kid), nil)
	c.Sync = true
	if err := c.Start(ctx); err != nil {
		t.Fatalf("Start as a child: %v", err)
	}
	c.Tick(ctx)
	if st := c.Status(); st.Name != "Mai" || st.ScreenLimitSec == 0 {
		t.Fatalf("the child's status: %+v", st)
	}
	test.Tap(c.AskButton())
	form := c.LastAsk()
	form.Amount.SetSelected(i18n.Duration(30 * time.Minute))
	form.Kind.SetSelected(lang.L("companion.games"))
	test.Type(form.Reason, "finish the castle")
	test.Tap(form.Send)

	// the parent answers the ask
	rs, err := parent.Requests(ctx, "pending")
	if err != nil || len(rs) != 1 {
		t.Fatalf("pending requests: %+v, %v", rs, err)
	}
	ask := rs[0]
	if ask.Child != "Mai" || ask.Kind != apitype.KindGames || ask.AddSec != 1800 || ask.Reason != "finish the castle" {
		t.Errorf("the ask as the agent has it: %+v", ask)
	}
	if _, err := parent.Answer(ctx, ask.ID, apitype.AnswerRequest{Approve: true, AddSec: 900}); err != nil {
		t.Fatal(err)
	}
	c.Tick(ctx)
	if !strings.Contains(c.Notice(), "Yes! You got 15 min more.") {
		t.Errorf("the companion should show the answer: %q", c.Notice())
	}
	st, err := parent.Status(ctx)
	st.Children = slices.DeleteFunc(st.Children, func(c apitype.ChildStatus) bool { return c.DefaultProfile })
	if err != nil || len(st.Children) != 1 {
		t.Fatalf("status: %+v %v", st, err)
	}
	if st.Children[0].CompanionSeen.IsZero() {
		t.Errorf("the agent should have the companion's heartbeats: %+v", st.Children[0])
	}
}

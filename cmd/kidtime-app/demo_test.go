package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"fyne.io/fyne/v2/app"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/ui/companion"
	"github.com/kidtime/kidtime/ui/i18n"
)

var demo = flag.String("demo", "", "TestDemo: run the app's `console` or `companion` against an in-memory agent with made-up data")

// The demo's agent is made by TestDemo (agent/agenttest needs a test); its
// window runs on the main goroutine, where Fyne's driver must run.
var (
	demoReady = make(chan *client.Client)
	demoDone  = make(chan struct{})
)

func TestMain(m *testing.M) {
	if os.Getenv(smokeEnv) != "" {
		os.Exit(runSmokeCompanion())
	}
	flag.Parse()
	if *demo == "" {
		os.Exit(m.Run())
	}
	code := make(chan int, 1)
	go func() { code <- m.Run() }()
	select {
	case c := <-code: // -run left TestDemo out
		os.Exit(c)
	case b := <-demoReady:
		if err := runDemo(b); err != nil {
			fmt.Fprintln(os.Stderr, "demo:", err)
		}
		close(demoDone)
	}
	os.Exit(<-code)
}

// TestDemo is `make demo`: the agenttest family as of today at 16:45 (see
// agent/agenttest.Family; the PIN is 135790), shown in the console of Mum
// (a parent who types the PIN), or in An's companion with -demo companion.
func TestDemo(t *testing.T) {
	if *demo == "" {
		t.Skip("the demo: go test -timeout 0 -run TestDemo ./cmd/kidtime-app -args -demo console|companion")
	}
	y, m, d := time.Now().Date()
	f := agenttest.StartFamily(t, time.Date(y, m, d, 16, 45, 0, 0, time.Local))
	account := agenttest.Mum
	if *demo == "companion" {
		account = agenttest.Kid
	}
	demoReady <- f.Client(account)
	<-demoDone
}

func runDemo(b *client.Client) error {
	if err := i18n.Setup(""); err != nil {
		return err
	}
	a := app.NewWithID("org.kidtime.demo")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	switch *demo {
	case "console":
		return runConsole(ctx, a, b, "")
	case "companion":
		// without the session's probes, and never locking this screen
		c := companion.New(a, b, nil)
		if err := c.Start(ctx); err != nil {
			return err
		}
		go c.Run(ctx)
		c.Window().ShowAndRun()
		return nil
	}
	return fmt.Errorf("-demo %q: console or companion", *demo)
}

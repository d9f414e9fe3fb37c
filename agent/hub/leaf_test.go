package hub_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/hub"
	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/agent/hubsync"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Past one school (issue 13, the province): a district's server, and a
// school hub that is its leaf node in a JetStream domain of its own. The
// district sources the school's KT_USAGE stream into one of its own: the
// rollups the school's PCs publish arrive upward, subjects and message ids
// as they were, and keep arriving after the school's hub was cut off and
// is back. KIDTIME_LEAF_PCS sets the number of PCs (default 5; a school
// day each of 30 days, 2 children).
func TestSchoolLeafOfDistrict(t *testing.T) {
	pcs := 5
	if v, err := strconv.Atoi(os.Getenv("KIDTIME_LEAF_PCS")); err == nil && v > 0 {
		pcs = v
	}
	leafPort := freePort(t)
	district, err := server.NewServer(&server.Options{ServerName: "district", Host: "127.0.0.1", Port: server.RANDOM_PORT, NoSigs: true,
		JetStream: true, JetStreamDomain: "district", StoreDir: filepath.Join(t.TempDir(), "district"),
		LeafNode: server.LeafNodeOpts{Host: "127.0.0.1", Port: leafPort}})
	if err != nil {
		t.Fatal(err)
	}
	district.SetLoggerV2(natsQuiet{}, false, false, false)
	district.Start()
	t.Cleanup(func() { district.Shutdown(); district.WaitForShutdown() })
	if !district.ReadyForConnections(20 * time.Second) {
		t.Fatal("the district's server is not ready")
	}
	up, _ := url.Parse(fmt.Sprintf("nats-leaf://127.0.0.1:%d", leafPort))
	dir := t.TempDir()
	school := startHubConfig(t, hub.Config{DataDir: dir, Listen: "127.0.0.1:0", Logger: quiet,
		Upstream: &server.RemoteLeafOpts{URLs: []*url.URL{up}}, Domain: "school1"})
	waitFor(t, "the school is the district's leaf", 20*time.Second, func() bool { return district.NumLeafNodes() == 1 })

	dc, err := nats.Connect(district.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer dc.Close()
	djs, err := jetstream.New(dc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	up1, err := djs.CreateStream(ctx, jetstream.StreamConfig{Name: "KT_SCHOOL1", Description: "school 1's rollups, sourced from its hub",
		Sources: []*jetstream.StreamSource{{Name: wire.StreamUsage, Domain: "school1"}}, Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}

	days := schoolDays()[:30]
	var wg sync.WaitGroup
	for p := range pcs {
		creds := join(t, school, "lab-"+strconv.Itoa(p))
		cl := connect(t, creds, hubsync.Options{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for end := time.Now().Add(20 * time.Second); !cl.Connected() && time.Now().Before(end); {
				time.Sleep(10 * time.Millisecond)
			}
			for _, day := range days {
				for k := range 2 {
					r := wire.Rollup{Child: wire.ChildKey(fmt.Sprintf("pc%03d-%d", p, k)), Age: 10, Day: day, Rev: 1, ScreenSec: 3600}
					if err := cl.PublishRollup(ctx, r); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	published := time.Now()
	want := uint64(pcs * len(days) * 2)
	count := func() uint64 {
		info, err := up1.Info(ctx)
		if err != nil {
			return 0
		}
		return info.State.Msgs
	}
	waitFor(t, "the rollups in the district", 60*time.Second, func() bool { return count() == want })
	t.Logf("%d rollups of %d PCs: all in the district %v after the last was taken by the school's hub", want, pcs, time.Since(published).Round(time.Millisecond))

	m, err := up1.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var r wire.Rollup
	if err := json.Unmarshal(m.Data, &r); err != nil || wire.PCFromSubject(m.Subject) == "" || r.Name != "" || r.ScreenSec != 3600 {
		t.Errorf("a rollup in the district: %s %s (%v); want the school's subject and body, no name", m.Subject, m.Data, err)
	}

	// The school's hub stops (a power cut); the PCs' next day waits in
	// their daemons, then in the school's stream, and goes up once the
	// hub is back.
	school.stop()
	school = startHubConfig(t, hub.Config{DataDir: dir, Listen: "127.0.0.1:0", Logger: quiet,
		Upstream: &server.RemoteLeafOpts{URLs: []*url.URL{up}}, Domain: "school1"})
	cl := connect(t, join(t, school, "lab-late"), hubsync.Options{})
	waitFor(t, "connected", 20*time.Second, cl.Connected)
	if err := cl.PublishRollup(ctx, wire.Rollup{Child: wire.ChildKey("late"), Age: 10, Day: days[0], Rev: 1, ScreenSec: 60}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the rollup after the restart in the district", 60*time.Second, func() bool { return count() == want+1 })
}

// startHubConfig runs a hub of cfg until the test ends.
func startHubConfig(t testing.TB, cfg hub.Config) *running {
	t.Helper()
	h, err := hub.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	select {
	case <-h.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("hub: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("hub not ready in 30 s")
	}
	r := &running{Hub: h}
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("hub run: %v", err)
			}
		})
	}
	t.Cleanup(r.stop)
	return r
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type natsQuiet struct{}

func (natsQuiet) Noticef(string, ...any) {}
func (natsQuiet) Warnf(string, ...any)   {}
func (natsQuiet) Fatalf(string, ...any)  {}
func (natsQuiet) Errorf(string, ...any)  {}
func (natsQuiet) Debugf(string, ...any)  {}
func (natsQuiet) Tracef(string, ...any)  {}

package localapi

import (
	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/store"
)

// Requests for programs (kind "app") go through the same routes as the
// asks for time: listed by GET /v1/requests, answered by POST
// /v1/requests/{id}/answer (approve: the program may run from now on;
// deny: it stays stopped, and the child is not asked again). The agent
// files them when it stops a program the child obtained.

// requestApp is the program of a request of kind app, nil for time.
func requestApp(r store.Request) *apitype.RequestApp {
	if r.Kind != store.KindApp {
		return nil
	}
	return &apitype.RequestApp{Name: r.App.Name, Path: r.App.Path, Key: r.App.Key}
}

// timeRequests counts the requests for time among rs (a child's programs
// waiting for a yes do not stop them asking for time).
func timeRequests(rs []store.Request) int {
	n := 0
	for _, r := range rs {
		if r.Kind != store.KindApp {
			n++
		}
	}
	return n
}

// checkAppAnswer refuses an answer that gives time to a program's request.
func checkAppAnswer(rq store.Request, req apitype.AnswerRequest) error {
	if rq.Kind == store.KindApp && req.AddSec != 0 {
		return api.BadRequest("addSec", "request %d is for a program, not for time: answer it without a duration", rq.ID).Keyed("err.answer.app", nil)
	}
	return nil
}

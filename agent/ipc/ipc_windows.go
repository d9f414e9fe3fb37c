package ipc

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"runtime"
	"slices"
	"sync"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

const defaultPath = `\\.\pipe\kidtimed`

// pipeDACL is the pipe's access control list. LocalSystem and
// Administrators have full control; authenticated users may read, write,
// read attributes and synchronize (0x0012019b), but not
// FILE_CREATE_PIPE_INSTANCE (which GENERIC_WRITE would include): a child
// must not be able to add an instance of kidtimed's pipe and receive a
// parent's connection (and PIN).
const pipeDACL = "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;0x0012019b;;;AU)"

// serviceOwner makes Administrators the owner of the default pipe, which
// Dial checks. Without it the owner is whatever the creating token's
// default owner is (LocalSystem for the service; the primary group under
// Wine, which Dial rightly refuses). Only LocalSystem and elevated
// administrators may name Administrators as an owner, so a standard user
// who squats the pipe while the service is stopped cannot.
const serviceOwner = "O:BA"

// pipeSDDL is the security descriptor of the pipe at path: the default
// path's has the owner Dial checks; other paths (tests, development) keep
// the creator's default owner, so that anyone may listen there.
func pipeSDDL(path string) string {
	if path == defaultPath {
		return serviceOwner + pipeDACL
	}
	return pipeDACL
}

// clientAccess is what a client asks for: generic read (which the pipe maps
// to FILE_GENERIC_READ, within 0x0012019b) plus FILE_WRITE_DATA.
const clientAccess = windows.GENERIC_READ | windows.FILE_WRITE_DATA

// Listen creates the named pipe at path (\\.\pipe\kidtimed by default). It
// fails if the pipe already exists, whoever made it (the first instance is
// created with FILE_FLAG_FIRST_PIPE_INSTANCE), and, on the default path,
// unless this process may make Administrators the pipe's owner (LocalSystem,
// an elevated administrator).
func Listen(path string) (net.Listener, error) {
	return listen(path, pipeSDDL(path))
}

// listen creates the named pipe at path with the security descriptor sddl.
func listen(path, sddl string) (net.Listener, error) {
	ln, err := winio.ListenPipe(path, &winio.PipeConfig{
		SecurityDescriptor: sddl,
		InputBufferSize:    64 << 10,
		OutputBufferSize:   64 << 10,
	})
	if errors.Is(err, windows.ERROR_INVALID_OWNER) {
		return nil, fmt.Errorf("ipc listen on %s: only LocalSystem or an elevated administrator may own it (clients refuse any other owner): %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("ipc listen on %s: %w", path, err)
	}
	if plug := plugFirstInstance(path); plug != 0 {
		return &pluggedListener{Listener: ln, plug: plug}, nil
	}
	return ln, nil
}

// plugFirstInstance connects to the pipe's first instance when it accepts
// connections, and returns that client handle (0 when it does not).
//
// go-winio creates the first instance of a listener's pipe with no read or
// write access, which on Windows leaves it disconnected: no client can
// connect to it (CreateFile fails with ERROR_PIPE_BUSY, so this returns 0),
// and clients reach the instances that Accept creates. Wine 8 lets clients
// connect to that first instance, where nothing ever accepts them: the first
// client's requests would hang. Holding that instance's one connection here
// sends every real client to an accepting instance.
func plugFirstInstance(path string) windows.Handle {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return 0
	}
	h, err := windows.CreateFile(p, clientAccess, 0, nil, windows.OPEN_EXISTING,
		windows.SECURITY_SQOS_PRESENT|windows.SECURITY_IDENTIFICATION, 0)
	if err != nil {
		return 0
	}
	return h
}

// pluggedListener is a listener whose first pipe instance is held by plug
// (see plugFirstInstance) until it closes.
type pluggedListener struct {
	net.Listener
	once sync.Once
	plug windows.Handle
}

func (l *pluggedListener) Close() error {
	err := l.Listener.Close()
	l.once.Do(func() { windows.CloseHandle(l.plug) })
	return err
}

// Dial connects to the pipe at path at the Identification impersonation
// level, so that the server can read the client's token and nothing more.
// On the default path it also checks that the pipe is owned by LocalSystem
// or Administrators, so that a pipe squatted by a standard user while the
// service is stopped does not receive the caller's requests (and PIN).
func Dial(ctx context.Context, path string) (net.Conn, error) {
	c, err := dialPipe(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("ipc dial: %w", err)
	}
	if path == defaultPath {
		if err := checkServerOwner(c); err != nil {
			c.Close()
			return nil, fmt.Errorf("ipc dial %s: %w", path, err)
		}
	}
	return c, nil
}

// dialPipe opens the pipe at path at the Identification impersonation level.
func dialPipe(ctx context.Context, path string) (net.Conn, error) {
	return winio.DialPipeAccessImpLevel(ctx, path, clientAccess, winio.PipeImpLevelIdentification)
}

type fder interface{ Fd() uintptr }

func pipeHandle(c net.Conn) (windows.Handle, error) {
	f, ok := c.(fder)
	if !ok {
		return 0, fmt.Errorf("connection %T is not a named pipe", c)
	}
	return windows.Handle(f.Fd()), nil
}

func checkServerOwner(c net.Conn) error {
	h, err := pipeHandle(c)
	if err != nil {
		return err
	}
	sd, err := windows.GetSecurityInfo(h, windows.SE_KERNEL_OBJECT, windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("read pipe owner: %w", err)
	}
	owner, _, err := sd.Owner()
	if err != nil {
		return fmt.Errorf("read pipe owner: %w", err)
	}
	if owner.IsWellKnown(windows.WinLocalSystemSid) || owner.IsWellKnown(windows.WinBuiltinAdministratorsSid) {
		return nil
	}
	return fmt.Errorf("pipe owned by %s, not by LocalSystem or Administrators", owner)
}

var procImpersonateNamedPipeClient = windows.NewLazySystemDLL("advapi32.dll").NewProc("ImpersonateNamedPipeClient")

// osPeerOf returns the identity of the pipe's client from its token (read by
// impersonating the client at Identification level on a locked thread).
func osPeerOf(c net.Conn) (Peer, error) {
	h, err := pipeHandle(c)
	if err != nil {
		return Peer{}, fmt.Errorf("ipc peer: %w", err)
	}
	var pid uint32
	if err := windows.GetNamedPipeClientProcessId(h, &pid); err != nil {
		return Peer{}, fmt.Errorf("ipc peer: client process id: %w", err)
	}
	tok, err := clientToken(h)
	if err != nil {
		return Peer{}, fmt.Errorf("ipc peer: client token: %w", err)
	}
	defer tok.Close()
	p, err := peerFromToken(tok)
	if err != nil {
		return Peer{}, fmt.Errorf("ipc peer: %w", err)
	}
	p.PID = int(pid)
	return p, nil
}

// clientToken impersonates the pipe's client on a dedicated, locked OS
// thread, opens the thread's token and reverts. If reverting fails the
// goroutine exits still locked, so the runtime destroys the thread rather
// than reuse one that acts as the client.
func clientToken(h windows.Handle) (windows.Token, error) {
	type result struct {
		tok windows.Token
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		var r result
		defer func() { ch <- r }()
		if ret, _, e := procImpersonateNamedPipeClient.Call(uintptr(h)); ret == 0 {
			r.err = fmt.Errorf("ImpersonateNamedPipeClient: %w", e)
			runtime.UnlockOSThread()
			return
		}
		err := windows.OpenThreadToken(windows.CurrentThread(), windows.TOKEN_QUERY, true, &r.tok)
		if rerr := windows.RevertToSelf(); rerr != nil {
			if r.tok != 0 {
				r.tok.Close()
			}
			r.tok, r.err = 0, fmt.Errorf("RevertToSelf: %w", rerr)
			return // thread stays locked and dies with this goroutine
		}
		runtime.UnlockOSThread()
		if err != nil {
			r.err = fmt.Errorf("OpenThreadToken (a client that dialed anonymously has no identity): %w", err)
		}
	}()
	r := <-ch
	return r.tok, r.err
}

func peerFromToken(tok windows.Token) (Peer, error) {
	tu, err := tok.GetTokenUser()
	if err != nil {
		return Peer{}, fmt.Errorf("token user: %w", err)
	}
	sid := tu.User.Sid
	p := Peer{SID: sid.String()}
	p.UID = SIDToUID(p.SID)
	if acct, dom, _, err := sid.LookupAccount(""); err == nil {
		p.Username = acct
		if dom != "" {
			p.Username = dom + `\` + acct
		}
	}
	if tg, err := tok.GetTokenGroups(); err == nil {
		for _, g := range tg.AllGroups() {
			if g.Attributes&windows.SE_GROUP_ENABLED == 0 {
				continue
			}
			name, _, _, err := g.Sid.LookupAccount("")
			if err != nil || name == "" || slices.Contains(p.Groups, name) {
				continue
			}
			p.Groups = append(p.Groups, name)
		}
	}
	p.IsAdmin = sid.IsWellKnown(windows.WinLocalSystemSid) || tok.IsElevated()
	if !p.IsAdmin {
		if admins, err := windows.CreateWellKnownSid(windows.WinBuiltinAdministratorsSid); err == nil {
			p.IsAdmin, _ = tok.IsMember(admins)
		}
	}
	if !p.IsAdmin {
		if ka, _, _, err := windows.LookupSID("", AdminGroup); err == nil {
			p.IsAdmin, _ = tok.IsMember(ka)
		}
	}
	return p, nil
}

// SIDToUID maps a Windows SID to the 32-bit id that stands for it in Peer.UID
// (FNV-1a of its string form), so that code keyed by uid works on Windows.
func SIDToUID(sid string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(sid))
	return h.Sum32()
}

// osPeerUID is the caller's uid, from the whole identity.
func osPeerUID(c net.Conn) (uint32, error) {
	p, err := osPeerOf(c)
	return p.UID, err
}

package platform

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/kidtime/kidtime/agent/facts"
)

var (
	procNetUserAdd              = modNetapi32.NewProc("NetUserAdd")
	procNetUserDel              = modNetapi32.NewProc("NetUserDel")
	procNetUserSetInfo          = modNetapi32.NewProc("NetUserSetInfo")
	procNetLocalGroupAddMembers = modNetapi32.NewProc("NetLocalGroupAddMembers")
)

const (
	userPrivUser         = 1      // USER_PRIV_USER
	ufScript             = 0x0001 // UF_SCRIPT
	ufNormalAccount      = 0x0200 // UF_NORMAL_ACCOUNT
	nerrUserExists       = 2224   // NERR_UserExists
	nerrPasswordTooShort = 2245   // NERR_PasswordTooShort (also too simple)
	errMemberInAlias     = 1378   // ERROR_MEMBER_IN_ALIAS
)

// Create makes a standard local account with NetUserAdd (USER_PRIV_USER),
// sets its full name (USER_INFO_1011) and puts it in the built-in Users
// group (found by its SID, since its name depends on the language). An
// account that already exists is fs.ErrExist; a password the policy
// refuses is facts.ErrPasswordRefused. It needs an administrator.
func (Users) Create(_ context.Context, a facts.NewAccount) error {
	name, err := windows.UTF16PtrFromString(a.Name)
	if err != nil {
		return fmt.Errorf("account name %q: %w", a.Name, err)
	}
	pw, err := windows.UTF16PtrFromString(a.Password)
	if err != nil {
		return fmt.Errorf("password: %w", err)
	}
	u := userInfo1{Name: name, Password: pw, Priv: userPrivUser, Flags: ufScript | ufNormalAccount}
	var parmErr uint32
	r, _, _ := procNetUserAdd.Call(0, 1, uintptr(unsafe.Pointer(&u)), uintptr(unsafe.Pointer(&parmErr)))
	switch r {
	case 0:
	case nerrUserExists:
		return fmt.Errorf("NetUserAdd %s: %w", a.Name, fs.ErrExist)
	case nerrPasswordTooShort:
		return fmt.Errorf("NetUserAdd %s: %w", a.Name, facts.ErrPasswordRefused)
	default:
		return fmt.Errorf("NetUserAdd %s: %w", a.Name, windows.Errno(r))
	}
	if err := finishAccount(name, a); err != nil {
		if r, _, _ := procNetUserDel.Call(0, uintptr(unsafe.Pointer(name))); r != 0 {
			return errors.Join(err, fmt.Errorf("NetUserDel %s: %w", a.Name, windows.Errno(r)))
		}
		return err
	}
	return nil
}

// finishAccount sets a new account's full name and its Users membership.
func finishAccount(name *uint16, a facts.NewAccount) error {
	if a.FullName != "" {
		full, err := windows.UTF16PtrFromString(a.FullName)
		if err != nil {
			return fmt.Errorf("full name %q: %w", a.FullName, err)
		}
		info := struct{ FullName *uint16 }{full} // USER_INFO_1011
		if r, _, _ := procNetUserSetInfo.Call(0, uintptr(unsafe.Pointer(name)), 1011, uintptr(unsafe.Pointer(&info)), 0); r != 0 {
			return fmt.Errorf("NetUserSetInfo %s full name: %w", a.Name, windows.Errno(r))
		}
	}
	sid, err := windows.CreateWellKnownSid(windows.WinBuiltinUsersSid)
	if err != nil {
		return fmt.Errorf("the Users group's SID: %w", err)
	}
	group, _, _, err := sid.LookupAccount("")
	if err != nil {
		return fmt.Errorf("the Users group's name: %w", err)
	}
	g, err := windows.UTF16PtrFromString(group)
	if err != nil {
		return err
	}
	member := struct{ DomainAndName *uint16 }{name} // LOCALGROUP_MEMBERS_INFO_3
	r, _, _ := procNetLocalGroupAddMembers.Call(0, uintptr(unsafe.Pointer(g)), 3, uintptr(unsafe.Pointer(&member)), 1)
	if r != 0 && r != errMemberInAlias {
		return fmt.Errorf("NetLocalGroupAddMembers %s %s: %w", group, a.Name, windows.Errno(r))
	}
	return nil
}

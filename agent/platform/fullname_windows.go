package platform

import (
	"fmt"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// userInfo10 is USER_INFO_10: the names of an account.
type userInfo10 struct {
	Name       *uint16
	Comment    *uint16
	UsrComment *uint16
	FullName   *uint16
}

// FullName is a local account's full name, the person's name Windows shows
// at sign-in (USER_INFO_10), "" when it has none. Domain and Microsoft
// accounts ("DOMAIN\bob") are not asked: their names live elsewhere.
func FullName(account string) (string, error) {
	if account == "" || strings.Contains(account, `\`) {
		return "", nil
	}
	n, err := windows.UTF16PtrFromString(account)
	if err != nil {
		return "", fmt.Errorf("platform: full name of %q: %w", account, err)
	}
	var buf *byte
	if err := windows.NetUserGetInfo(nil, n, 10, &buf); err != nil {
		return "", fmt.Errorf("platform: full name of %q: NetUserGetInfo: %w", account, err)
	}
	defer windows.NetApiBufferFree(buf)
	if buf == nil {
		return "", nil
	}
	return strings.TrimSpace(windows.UTF16PtrToString((*userInfo10)(unsafe.Pointer(buf)).FullName)), nil
}

package svcrun

import (
	"errors"
	"os"
	"strings"
	"unsafe"

	"github.com/kardianos/service"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
)

// StartedBySCM reports whether the service manager started this process.
// kardianos/service asks svc.IsWindowsService: a parent named services.exe
// in session 0. Wine's services.exe runs in session 1, so under Wine the
// service would run as a console program that never connects to the
// service manager, whose start then times out (and an MSI install rolls
// back). A parent named services.exe in any session is taken as the service
// manager too. Were it not one, StartServiceCtrlDispatcher fails
// (ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) and kidtimed exits with that
// error: nothing is trusted on this answer.
func StartedBySCM() bool {
	if !service.Interactive() {
		return true
	}
	return parentIsServicesExe()
}

// Run runs s, the service named name, under the service manager:
// kardianos' Run, or, when kardianos took the process for a console
// program (Wine, above), svc.Run with kardianos' own handler.
func Run(s service.Service, name string) error {
	if h, ok := s.(svc.Handler); ok && service.Interactive() {
		return svc.Run(name, h)
	}
	return s.Run()
}

// parentIsServicesExe looks up this process's parent in one process
// snapshot and compares its image name with services.exe.
func parentIsServicesExe() bool {
	var self windows.PROCESS_BASIC_INFORMATION
	n := uint32(unsafe.Sizeof(self))
	if err := windows.NtQueryInformationProcess(windows.CurrentProcess(), windows.ProcessBasicInformation, unsafe.Pointer(&self), n, &n); err != nil {
		return false
	}
	buf := make([]byte, 512<<10)
	for range 4 {
		err := windows.NtQuerySystemInformation(windows.SystemProcessInformation, unsafe.Pointer(&buf[0]), uint32(len(buf)), &n)
		if errors.Is(err, windows.STATUS_INFO_LENGTH_MISMATCH) {
			buf = make([]byte, 2*max(int(n), len(buf)))
			continue
		}
		if err != nil {
			return false
		}
		for off := 0; ; {
			p := (*windows.SYSTEM_PROCESS_INFORMATION)(unsafe.Pointer(&buf[off]))
			if p.UniqueProcessID == self.InheritedFromUniqueProcessId {
				return strings.EqualFold(p.ImageName.String(), "services.exe")
			}
			if p.NextEntryOffset == 0 {
				return false
			}
			off += int(p.NextEntryOffset)
		}
	}
	return false
}

// ProgramData is the ProgramData folder (FOLDERID_ProgramData, what the MSI
// calls CommonAppDataFolder), not the %ProgramData% variable: Wine's service
// manager gives services ProgramData=C:\users\Public, so a service that
// trusted the variable kept its database away from the folder the MSI made
// and locked. The variable, then C:\ProgramData, only when the shell cannot
// answer.
func ProgramData() string {
	if p, err := windows.KnownFolderPath(windows.FOLDERID_ProgramData, 0); err == nil && p != "" {
		return p
	}
	if p := os.Getenv("ProgramData"); p != "" {
		return p
	}
	return `C:\ProgramData`
}

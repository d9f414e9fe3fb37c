// Package ostest is the test support for tests that need the real Linux
// system: a test binary re-executed as another uid (so that the kernel, not
// the caller, says who is calling), free uids, folders and binaries other
// uids may use, and real accounts made with useradd and removed at the end.
//
// Only tests import it (the import rules in deps_test.go keep it out of
// every program under cmd/). Its Linux half is the above; on Windows it only
// tells whether the test runs under Wine (Wine, SkipUnderWine), for the
// tests that need what Wine lacks; on other systems the package is empty.
package ostest

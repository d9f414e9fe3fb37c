package web

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// On Windows browsers read their managed policies from the registry
// (HKLM\SOFTWARE\Policies): the Chromium family's DnsOverHttpsMode "off",
// Firefox's DNSOverHTTPS Enabled 0, Locked 1 (the same policies as the
// Linux files, browsers.go).

type regPolicy struct {
	key, value string
	str        string // a REG_SZ, or
	dword      uint32 // a REG_DWORD when str is ""
}

var windowsBrowserPolicies = []regPolicy{
	{key: `Policies\Google\Chrome`, value: "DnsOverHttpsMode", str: "off"},
	{key: `Policies\Chromium`, value: "DnsOverHttpsMode", str: "off"},
	{key: `Policies\Microsoft\Edge`, value: "DnsOverHttpsMode", str: "off"},
	{key: `Policies\BraveSoftware\Brave`, value: "DnsOverHttpsMode", str: "off"},
	{key: `Policies\Mozilla\Firefox\DNSOverHTTPS`, value: "Enabled", dword: 0},
	{key: `Policies\Mozilla\Firefox\DNSOverHTTPS`, value: "Locked", dword: 1},
}

// browserMarks is where kidtime notes the values it wrote (under root),
// so that removing takes away those and only those.
const browserMarks = `kidtime\web\browsers`

// WriteBrowserRegistry writes the browsers' policies under HKLM\root
// (root "SOFTWARE" on a real system) and returns the values it wrote. A
// value someone else set is left as it is.
func WriteBrowserRegistry(root string) ([]string, error) {
	marks, _, err := registry.CreateKey(registry.LOCAL_MACHINE, root+`\`+browserMarks, registry.ALL_ACCESS)
	if err != nil {
		return nil, fmt.Errorf("browser policies: HKLM\\%s\\%s: %w", root, browserMarks, err)
	}
	defer marks.Close()
	var written []string
	var errs []error
	for _, p := range windowsBrowserPolicies {
		path := root + `\` + p.key
		k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE|registry.SET_VALUE)
		if err != nil {
			errs = append(errs, fmt.Errorf("browser policies: HKLM\\%s: %w", path, err))
			continue
		}
		mark := p.key + `\` + p.value
		_, _, had := k.GetValue(p.value, nil)
		if had == nil {
			if _, _, mine := marks.GetStringValue(mark); mine != nil {
				k.Close()
				continue // someone else's value: kept
			}
		}
		if p.str != "" {
			err = k.SetStringValue(p.value, p.str)
		} else {
			err = k.SetDWordValue(p.value, p.dword)
		}
		k.Close()
		if err == nil {
			err = marks.SetStringValue(mark, "kidtime")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("browser policies: HKLM\\%s %s: %w", path, p.value, err))
			continue
		}
		written = append(written, `HKLM\`+path+`\`+p.value)
	}
	return written, errors.Join(errs...)
}

// RemoveBrowserRegistry deletes the values kidtime wrote, and only those.
func RemoveBrowserRegistry(root string) error {
	marks, err := registry.OpenKey(registry.LOCAL_MACHINE, root+`\`+browserMarks, registry.ALL_ACCESS)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("browser policies: HKLM\\%s\\%s: %w", root, browserMarks, err)
	}
	defer marks.Close()
	var errs []error
	for _, p := range windowsBrowserPolicies {
		mark := p.key + `\` + p.value
		if _, _, err := marks.GetStringValue(mark); err != nil {
			continue
		}
		k, err := registry.OpenKey(registry.LOCAL_MACHINE, root+`\`+p.key, registry.SET_VALUE)
		if err == nil {
			err = k.DeleteValue(p.value)
			k.Close()
		}
		if err != nil && !errors.Is(err, registry.ErrNotExist) {
			errs = append(errs, fmt.Errorf("browser policies: HKLM\\%s\\%s %s: %w", root, p.key, p.value, err))
			continue
		}
		_ = marks.DeleteValue(mark)
	}
	if len(errs) == 0 {
		_ = registry.DeleteKey(registry.LOCAL_MACHINE, root+`\`+browserMarks)
	}
	return errors.Join(errs...)
}

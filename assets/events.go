package assets

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"text/template"
)

var (
	uiOnce sync.Once
	uiMsgs map[string]map[string]any
	uiErr  error
)

func loadUI() {
	uiMsgs = map[string]map[string]any{}
	for _, lang := range Languages {
		b, err := UITranslations.ReadFile("translations/ui/" + lang + ".json")
		if err != nil {
			uiErr = fmt.Errorf("read %s translations: %w", lang, err)
			return
		}
		m := map[string]any{}
		if err := json.Unmarshal(b, &m); err != nil {
			uiErr = fmt.Errorf("parse %s translations: %w", lang, err)
			return
		}
		uiMsgs[lang] = m
	}
}

// EventSentence says an event of the log in lang ("vi" or "en") with the
// sentence the console shows for it (translations/ui, "event.KIND", a Go
// template): the child is {{.Child}}, each detail is its name with a
// capital ({{.Account}}), a list of names is joined with commas, and
// "seconds" or "addSec" is {{.Amount}} said as a duration. ok is false when
// the kind has no sentence; the text is then the kind and its details as
// they came (never lost).
func EventSentence(lang, kind, child string, detail map[string]any) (text string, ok bool) {
	uiOnce.Do(loadUI)
	data := map[string]any{"Child": child}
	for k, v := range detail {
		if k == "" {
			continue
		}
		if xs, isList := v.([]any); isList {
			parts := make([]string, len(xs))
			for i, x := range xs {
				parts[i] = fmt.Sprint(x)
			}
			v = strings.Join(parts, ", ")
		}
		data[strings.ToUpper(k[:1])+k[1:]] = v
	}
	for _, k := range []string{"seconds", "addSec"} {
		if sec, isNum := detail[k].(float64); isNum {
			data["Amount"] = HumanDuration(lang, int64(sec))
		}
	}
	f, _ := uiMsgs[lang]["event."+kind].(string)
	if f == "" {
		f, _ = uiMsgs["en"]["event."+kind].(string)
	}
	if f != "" && uiErr == nil {
		if tpl, err := template.New(kind).Option("missingkey=zero").Parse(f); err == nil {
			var b strings.Builder
			if tpl.Execute(&b, data) == nil {
				return strings.ReplaceAll(b.String(), "<no value>", "?"), true
			}
		}
	}
	parts := []string{kind}
	if child != "" {
		parts = append(parts, child)
	}
	keys := make([]string, 0, len(detail))
	for k := range detail {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, detail[k]))
	}
	return strings.Join(parts, " · "), false
}

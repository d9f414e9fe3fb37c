package rules

import (
	"fmt"
	"strings"
)

// What a school's signed policy says about its hub's yearly report (issue
// 13): whether the hub may show children's names, and which children make
// up each class. Both are read by the hub only; a PC sends no name either
// way (a child is a hash of the name on the wire), so a hub shows names
// only when the policy it publishes both lists the children and says
// shareNames.

// SchoolClass is a group of the policy's children that a school's report counts
// together ("6A"): by the children's names as the policy writes them.
type SchoolClass struct {
	Name     string   `json:"name"`
	Children []string `json:"children"`
}

// maxClasses bounds the classes of one policy file.
const maxClasses = 500

// report reads the file's shareNames and classes.
func (w *walker) report(fs map[string]*node, f *File) {
	if v, ok := fs["shareNames"]; ok {
		if v.kind == 'b' {
			f.ShareNames = v.b
		} else {
			w.fail("shareNames", v, "want true or false, got %s", v.describe())
		}
	}
	v, ok := fs["classes"]
	if !ok {
		return
	}
	known := map[string]bool{}
	for _, c := range f.Children {
		known[strings.ToLower(c.Name)] = true
	}
	seen := map[string]string{}   // lower-case class name → path
	member := map[string]string{} // lower-case child → class path
	for i, cn := range w.list("classes", v, maxClasses) {
		path := fmt.Sprintf("classes[%d]", i)
		cf := w.object(path, cn, "name", "children")
		if cf == nil {
			continue
		}
		var c SchoolClass
		if x, ok := cf["name"]; ok {
			if c.Name, ok = w.name(path+".name", x); ok {
				if other, dup := seen[strings.ToLower(c.Name)]; dup {
					w.fail(path+".name", x, "already the name of %s", other)
				}
				seen[strings.ToLower(c.Name)] = path
			}
		} else {
			w.fail(path+".name", nil, "missing")
		}
		if x, ok := cf["children"]; ok {
			for j, kn := range w.list(path+".children", x, maxChildren) {
				kp := fmt.Sprintf("%s.children[%d]", path, j)
				name, ok := w.name(kp, kn)
				if !ok {
					continue
				}
				switch low := strings.ToLower(name); {
				case !known[low]:
					w.fail(kp, kn, "no child of this file is named %q", name)
				case member[low] != "":
					w.fail(kp, kn, "%q is in %s already", name, member[low])
				default:
					member[low] = path
					c.Children = append(c.Children, name)
				}
			}
		} else {
			w.fail(path+".children", nil, "missing")
		}
		f.Classes = append(f.Classes, c)
	}
}

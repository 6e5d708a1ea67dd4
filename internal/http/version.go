package http

import (
	"runtime/debug"
	"sync"
)

// buildVersion is the registry's version as the Go toolchain recorded it
// in the binary: the module version, or "devel", with the commit when
// known. Workbooks name it in their properties and Method sheets.
var buildVersion = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += "+" + s.Value[:12]
		}
	}
	return v
})

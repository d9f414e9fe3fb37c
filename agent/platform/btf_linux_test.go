package platform

import (
	"bytes"
	"os"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// Our one-pass reading of the kernel's BTF finds what cilium/ebpf's full
// decoder finds.
func TestTaskOffsetsMatchTheBTFLibrary(t *testing.T) {
	if _, err := os.Stat(kernelBTF); err != nil {
		t.Skip("no kernel BTF here:", err)
	}
	got, err := taskOffsets()
	if err != nil {
		t.Fatal(err)
	}
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		t.Fatal(err)
	}
	var ts *btf.Struct
	if err := spec.TypeByName("task_struct", &ts); err != nil {
		t.Fatal(err)
	}
	want := taskOffs{pid: -1, tgid: -1}
	for _, m := range ts.Members {
		switch m.Name {
		case "pid":
			want.pid = int32(m.Offset.Bytes())
		case "tgid":
			want.tgid = int32(m.Offset.Bytes())
		}
	}
	if got != want {
		t.Fatalf("offsets %+v, the library says %+v", got, want)
	}
}

func TestScanTaskOffsetsRefusesNonBTF(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":     {},
		"not BTF":   bytes.Repeat([]byte{0x7f, 'E', 'L', 'F'}, 16),
		"truncated": {0x9f, 0xeb, 1, 0, 24, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	} {
		if _, err := scanTaskOffsets(bytes.NewReader(data)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

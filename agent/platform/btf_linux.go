package platform

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// kernelBTF is the kernel's own type information.
const kernelBTF = "/sys/kernel/btf/vmlinux"

// taskOffsets finds where task_struct keeps pid and tgid in this kernel,
// from its BTF. The fork program needs them to read the new task.
//
// cilium/ebpf's btf package can answer this too, but it decodes the whole
// vmlinux (about 5 MB, 120,000 types) and raised the daemon's peak memory
// by almost 4 MB; this reads the file once, front to back, keeping only the
// offsets and two names.
func taskOffsets() (taskOffs, error) {
	f, err := os.Open(kernelBTF)
	if err != nil {
		return taskOffs{}, fmt.Errorf("platform: the kernel's BTF: %w", err)
	}
	defer f.Close()
	offs, err := scanTaskOffsets(f)
	if err != nil {
		return taskOffs{}, fmt.Errorf("platform: task_struct in %s: %w", kernelBTF, err)
	}
	return offs, nil
}

// BTF kinds (include/uapi/linux/btf.h) whose records have trailing data.
const (
	btfInt       = 1
	btfArray     = 3
	btfStruct    = 4
	btfUnion     = 5
	btfEnum      = 6
	btfFuncProto = 13
	btfVar       = 14
	btfDatasec   = 15
	btfDeclTag   = 17
	btfEnum64    = 19
)

// scanTaskOffsets walks the type section for the struct named task_struct
// and its members pid and tgid.
func scanTaskOffsets(r io.ReaderAt) (taskOffs, error) {
	var hdr [24]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return taskOffs{}, fmt.Errorf("read the header: %w", err)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	switch {
	case hdr[0] == 0x9f && hdr[1] == 0xeb:
	case hdr[0] == 0xeb && hdr[1] == 0x9f:
		bo = binary.BigEndian
	default:
		return taskOffs{}, errors.New("not BTF (bad magic)")
	}
	hdrLen := int64(bo.Uint32(hdr[4:]))
	typeOff, typeLen := int64(bo.Uint32(hdr[8:])), int64(bo.Uint32(hdr[12:]))
	strOff, strLen := int64(bo.Uint32(hdr[16:])), int64(bo.Uint32(hdr[20:]))
	name := func(off uint32) string {
		if int64(off) >= strLen {
			return ""
		}
		var b [16]byte // the names looked for are shorter
		n, _ := r.ReadAt(b[:], hdrLen+strOff+int64(off))
		for i := 0; i < n; i++ {
			if b[i] == 0 {
				return string(b[:i])
			}
		}
		return string(b[:n])
	}
	br := bufio.NewReaderSize(io.NewSectionReader(r, hdrLen+typeOff, typeLen), 64<<10)
	var rec [12]byte
	for {
		if _, err := io.ReadFull(br, rec[:]); err != nil {
			if err == io.EOF {
				return taskOffs{}, errors.New("no task_struct")
			}
			return taskOffs{}, fmt.Errorf("read the types: %w", err)
		}
		nameOff, info := bo.Uint32(rec[0:]), bo.Uint32(rec[4:])
		kind, vlen, kflag := (info>>24)&0x1f, int(info&0xffff), info>>31 == 1
		var extra int
		switch kind {
		case btfInt, btfVar, btfDeclTag:
			extra = 4
		case btfArray:
			extra = 12
		case btfStruct, btfUnion, btfDatasec, btfEnum64:
			extra = 12 * vlen
		case btfEnum, btfFuncProto:
			extra = 8 * vlen
		}
		if kind != btfStruct || name(nameOff) != "task_struct" {
			if _, err := br.Discard(extra); err != nil {
				return taskOffs{}, fmt.Errorf("read the types: %w", err)
			}
			continue
		}
		offs := taskOffs{pid: -1, tgid: -1}
		for range vlen {
			if _, err := io.ReadFull(br, rec[:]); err != nil {
				return taskOffs{}, fmt.Errorf("read task_struct: %w", err)
			}
			bits := bo.Uint32(rec[8:])
			if kflag {
				bits &= 0xffffff // the high byte is a bitfield's size
			}
			switch name(bo.Uint32(rec[0:])) {
			case "pid":
				offs.pid = int32(bits / 8)
			case "tgid":
				offs.tgid = int32(bits / 8)
			}
		}
		if offs.pid < 0 || offs.tgid < 0 {
			return taskOffs{}, errors.New("task_struct has no pid or tgid")
		}
		return offs, nil
	}
}

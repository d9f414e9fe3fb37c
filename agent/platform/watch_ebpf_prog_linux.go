package platform

import "github.com/cilium/ebpf/asm"

// The three programs of watch_ebpf_linux.go. Each runs on a raw tracepoint
// (its context: the tracepoint's arguments as u64s) in the task that
// execs, forks or exits, and:
//
//  1. looks the task's real uid up in kt_uids, and stops there if it is not
//     a watched account's (the whole cost for everyone else: two helper
//     calls);
//  2. writes a record {ktime u64, kind u32, pid u32, ppid u32, 0 u32} to
//     the ring buffer kt_procs (threads are dropped: pid must be the
//     thread group's);
//  3. counts in kt_lost a record the full ring refused.
//
// The stack: the record at fp-24 … fp-1, the uid key at fp-32, scratch for
// reading a task's pid and tgid at fp-40 and fp-36.

// ebpfFDs are the maps the programs use.
type ebpfFDs struct{ uids, events, lost int }

// taskOffs are where task_struct keeps pid and tgid in this kernel (from
// its BTF): only the fork program reads another task (the new one).
type taskOffs struct{ pid, tgid int32 }

// Stack slots.
const (
	stRecord  = -24 // record: ktime at +0, kind +8, pid +12, ppid +16, pad +20
	stKey     = -32
	stScratch = -40 // pid at -40, tgid at -36
)

// uidCheck stops the program unless the current task's real uid is
// watched.
func uidCheck(fds ebpfFDs) asm.Instructions {
	return asm.Instructions{
		asm.FnGetCurrentUidGid.Call(),
		asm.Mov.Reg32(asm.R0, asm.R0), // the low half: the uid
		asm.StoreMem(asm.RFP, stKey, asm.R0, asm.Word),
		asm.LoadMapPtr(asm.R1, fds.uids),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, stKey),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
	}
}

// emit writes the record whose pid (and ppid) are already on the stack,
// with kind and the time, and counts it lost if the ring is full.
func emit(fds ebpfFDs, kind int64) asm.Instructions {
	return asm.Instructions{
		asm.StoreImm(asm.RFP, stRecord+8, kind, asm.Word),
		asm.StoreImm(asm.RFP, stRecord+20, 0, asm.Word),
		asm.FnKtimeGetNs.Call(),
		asm.StoreMem(asm.RFP, stRecord, asm.R0, asm.DWord),
		asm.LoadMapPtr(asm.R1, fds.events),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, stRecord),
		asm.Mov.Imm(asm.R3, ebpfRecordSize),
		asm.Mov.Imm(asm.R4, 0),
		asm.FnRingbufOutput.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.StoreImm(asm.RFP, stKey, 0, asm.Word),
		asm.LoadMapPtr(asm.R1, fds.lost),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, stKey),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.Mov.Imm(asm.R1, 1),
		asm.StoreXAdd(asm.R0, asm.R1, asm.DWord),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	}
}

// execProgram: sched_process_exec(task, old_pid, bprm), in the task.
func execProgram(fds ebpfFDs, _ taskOffs) asm.Instructions {
	p := uidCheck(fds)
	p = append(p,
		asm.FnGetCurrentPidTgid.Call(),
		asm.RSh.Imm(asm.R0, 32), // the tgid: the process
		asm.StoreMem(asm.RFP, stRecord+12, asm.R0, asm.Word),
		asm.StoreImm(asm.RFP, stRecord+16, 0, asm.Word),
	)
	return append(p, emit(fds, ebpfExec)...)
}

// forkProgram: sched_process_fork(parent, child), in the parent: the new
// task is read at args[1]; a new thread (pid ≠ tgid) is dropped.
func forkProgram(fds ebpfFDs, offs taskOffs) asm.Instructions {
	p := asm.Instructions{asm.Mov.Reg(asm.R6, asm.R1)} // the context survives the calls in R6
	p = append(p, uidCheck(fds)...)
	p = append(p,
		asm.LoadMem(asm.R7, asm.R6, 8, asm.DWord), // args[1]: the child's task_struct
		asm.Mov.Reg(asm.R1, asm.RFP),
		asm.Add.Imm(asm.R1, stScratch),
		asm.Mov.Imm(asm.R2, 4),
		asm.Mov.Reg(asm.R3, asm.R7),
		asm.Add.Imm(asm.R3, offs.pid),
		asm.FnProbeReadKernel.Call(),
		asm.JNE.Imm(asm.R0, 0, "out"),
		asm.Mov.Reg(asm.R1, asm.RFP),
		asm.Add.Imm(asm.R1, stScratch+4),
		asm.Mov.Imm(asm.R2, 4),
		asm.Mov.Reg(asm.R3, asm.R7),
		asm.Add.Imm(asm.R3, offs.tgid),
		asm.FnProbeReadKernel.Call(),
		asm.JNE.Imm(asm.R0, 0, "out"),
		asm.LoadMem(asm.R1, asm.RFP, stScratch, asm.Word),
		asm.LoadMem(asm.R2, asm.RFP, stScratch+4, asm.Word),
		asm.JNE.Reg(asm.R1, asm.R2, "out"), // a thread
		asm.StoreMem(asm.RFP, stRecord+12, asm.R1, asm.Word),
		asm.FnGetCurrentPidTgid.Call(),
		asm.RSh.Imm(asm.R0, 32), // the parent process
		asm.StoreMem(asm.RFP, stRecord+16, asm.R0, asm.Word),
	)
	return append(p, emit(fds, ebpfFork)...)
}

// exitProgram: sched_process_exit(task, …), in the task; only the thread
// group's leader ending is a process ending.
func exitProgram(fds ebpfFDs, _ taskOffs) asm.Instructions {
	p := uidCheck(fds)
	p = append(p,
		asm.FnGetCurrentPidTgid.Call(),
		asm.Mov.Reg(asm.R1, asm.R0),
		asm.RSh.Imm(asm.R1, 32),       // tgid
		asm.Mov.Reg32(asm.R0, asm.R0), // pid
		asm.JNE.Reg(asm.R0, asm.R1, "out"),
		asm.StoreMem(asm.RFP, stRecord+12, asm.R1, asm.Word),
		asm.StoreImm(asm.RFP, stRecord+16, 0, asm.Word),
	)
	return append(p, emit(fds, ebpfExit)...)
}

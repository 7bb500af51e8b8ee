//go:build linux

package db

import (
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// walIndex reads the header of a SQLite database's WAL index (the -shm
// file, https://www.sqlite.org/walformat.html#the_wal_index_file_format)
// straight from shared memory, as SQLite's readers do: two 48-byte copies
// of the header, written by the committing writer second copy first, each
// holding iChange (one more on every commit), mxFrame (the last frame of
// the WAL), the page count, the salts and the checksums. Two equal copies
// are a consistent header; any commit changes it, whichever process made
// it. Reading it costs no system call, where PRAGMA data_version begins and
// ends a read transaction (file locks) on every call.
//
// It is only used while a connection of this process is open on the file
// (versionSource's own): SQLite keeps the -shm file in place and does not
// reinitialise it while any connection has it open.
type walIndex struct {
	f   *os.File
	mem []byte
}

const (
	walIndexMapped  = 4096    // the headers are the first 136 bytes
	walIndexVersion = 3007000 // iVersion of the WAL-index format
)

func openWALIndex(dbPath string) *walIndex {
	f, err := os.Open(dbPath + "-shm")
	if err != nil {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Size() < walIndexMapped {
		f.Close()
		return nil
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, walIndexMapped, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		f.Close()
		return nil
	}
	w := &walIndex{f: f, mem: mem}
	if _, ok := w.header(); !ok {
		w.close()
		return nil
	}
	return w
}

// header returns the header's fields after iVersion (40 bytes), or false
// when no consistent, initialised header could be read.
func (w *walIndex) header() (string, bool) {
	p := unsafe.Pointer(&w.mem[0])
	var a, b [12]uint32
	for range 16 {
		for i := range a {
			a[i] = atomic.LoadUint32((*uint32)(unsafe.Add(p, 4*i)))
		}
		for i := range b {
			b[i] = atomic.LoadUint32((*uint32)(unsafe.Add(p, 48+4*i)))
		}
		bytes := (*[48]byte)(unsafe.Pointer(&a))
		if a == b && a[0] == walIndexVersion && bytes[12] == 1 { // isInit
			return string(bytes[8:]), true
		}
	}
	return "", false
}

func (w *walIndex) close() {
	syscall.Munmap(w.mem)
	w.f.Close()
}

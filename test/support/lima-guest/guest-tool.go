// guest-tool: the two things the real-guest test (test/integration/engine/vm/lima-guest.test.ts)
// needs that neither the host nor a minimal Debian guest has, built from Go's standard
// library only (offline, no modules):
//
//	guest-tool expand DATA.json <TEXT   expands TEXT as Lima does: Go text/template,
//	                                    no functions, data {Name, Hostname, UID, User, Home, Param}
//	guest-tool lock FILE SECONDS        takes the fcntl write lock apt and dpkg take, prints
//	                                    "locked", holds it SECONDS (or until killed)
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"
	"text/template"
	"time"
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "guest-tool: "+format+"\n", args...)
	os.Exit(2)
}

func expand(dataFile string) {
	raw, err := os.ReadFile(dataFile)
	if err != nil {
		fail("%v", err)
	}
	// A map, as Lima's executeGuestTemplate uses: a missing key prints "<no value>" there too.
	var data map[string]any
	if err := json.Unmarshal(raw, &data); err != nil {
		fail("%s: %v", dataFile, err)
	}
	text, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("%v", err)
	}
	tmpl, err := template.New("").Parse(string(text))
	if err != nil {
		fail("%v", err)
	}
	if err := tmpl.Execute(os.Stdout, data); err != nil {
		fail("%v", err)
	}
}

func lock(file string, seconds string) {
	n, err := strconv.Atoi(seconds)
	if err != nil {
		fail("seconds: %v", err)
	}
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		fail("%v", err)
	}
	// apt's GetLock uses F_SETLK with a whole-file write lock; the same lock here blocks it.
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk); err != nil {
		fail("%s: %v", file, err)
	}
	fmt.Println("locked")
	time.Sleep(time.Duration(n) * time.Second)
}

func main() {
	switch {
	case len(os.Args) == 3 && os.Args[1] == "expand":
		expand(os.Args[2])
	case len(os.Args) == 4 && os.Args[1] == "lock":
		lock(os.Args[2], os.Args[3])
	default:
		fail("usage: guest-tool expand DATA.json <TEXT | guest-tool lock FILE SECONDS")
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat. It
// is 100 on every Linux architecture Go supports (the kernel ABI fixes it).
const clockTicks = 100

// procStat is what /proc says about a process at one moment.
type procStat struct {
	CPU     time.Duration // user + system time so far
	RSS     int64         // resident set now, bytes
	PeakRSS int64         // high-water mark of the resident set, bytes
	FileRSS int64         // resident pages of mapped files now (binary, mapped database), bytes
}

// readProc reads /proc/PID/stat and /proc/PID/status.
func readProc(pid int) (procStat, error) {
	var s procStat
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	if s.CPU, err = parseStatCPU(stat); err != nil {
		return s, err
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	s.RSS, s.PeakRSS, s.FileRSS = parseStatusRSS(status)
	return s, nil
}

var errProcFormat = errors.New("benchrun: unexpected /proc format")

// parseStatCPU returns utime+stime from a /proc/PID/stat line. The command
// name (field 2) is in parentheses and may contain spaces, so fields are
// counted after the last ')'.
func parseStatCPU(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errProcFormat
	}
	f := strings.Fields(string(stat[i+1:]))
	// After ')': state(3) ppid(4) ... utime(14) stime(15) → indexes 11, 12.
	if len(f) < 13 {
		return 0, errProcFormat
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errProcFormat
	}
	return time.Duration(u+st) * time.Second / clockTicks, nil
}

// parseStatusRSS returns VmRSS, VmHWM and RssFile (bytes) from
// /proc/PID/status.
func parseStatusRSS(status []byte) (rss, hwm, file int64) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmRSS":
			rss = n << 10
		case "VmHWM":
			hwm = n << 10
		case "RssFile":
			file = n << 10
		}
	}
	return rss, hwm, file
}

// server is a running server process under test.
type server struct {
	name string
	cmd  *exec.Cmd
	addr string
	log  string
	done chan struct{}
	err  error
	// dir and env are samo's working directory and environment (samo only),
	// for running its CLI next to it.
	dir string
	env []string
}

// startServer starts argv (pinned to cpus with taskset when cpus != "")
// with env and dir, logging to logPath, and waits until GET /health answers
// 200 on addr.
func startServer(ctx context.Context, name, addr, cpus, dir, logPath string, env []string, argv ...string) (*server, error) {
	if cpus != "" {
		argv = append([]string{"taskset", "-c", cpus}, argv...)
	}
	lf, err := os.Create(logPath) // #nosec G304 -- a path in the runner's own temp dir
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...) // #nosec G204 -- the runner starts the binaries it just built
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, lf, lf
	if err := cmd.Start(); err != nil {
		_ = lf.Close()
		return nil, err
	}
	s := &server{name: name, cmd: cmd, addr: addr, log: logPath, done: make(chan struct{})}
	go func() { s.err = cmd.Wait(); _ = lf.Close(); close(s.done) }()
	deadline := time.Now().Add(90 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-s.done:
			return nil, fmt.Errorf("%s exited during start-up (%v); see %s", name, s.err, logPath)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		default:
		}
		if resp, err := client.Get("http://" + addr + "/health"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("%s not ready after 90s; see %s", name, logPath)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pid is the server's own process id (taskset execs it, so it is the same).
func (s *server) pid() int { return s.cmd.Process.Pid }

// stop asks the server to shut down (SIGTERM), then kills it after 20 s.
func (s *server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

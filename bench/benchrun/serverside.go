package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"slices"
	"time"
)

// serverSide is the server's own view of a phase's requests, from the
// duration_ms field of samo's access log: the time from the first
// middleware to the response, without the network, the kernel's queues or
// the load generator. A p99 far above it at a fixed rate means requests
// waited outside the handler (scheduling, another process on the CPU); one
// close to it means the handler itself was slow.
type serverSide struct {
	Requests      int
	P50, P99, Max time.Duration
}

// logSize is the current length of the log at path (0 if it is missing),
// the offset a phase's lines start from.
func logSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// readServerSide summarises the access-log lines ("msg":"request") written
// to the log at path from offset on. Other lines (the bare server's, or
// samo's own messages) are skipped.
func readServerSide(path string, offset int64) (serverSide, error) {
	f, err := os.Open(path) // #nosec G304 -- a path in the runner's own temp dir
	if err != nil {
		return serverSide{}, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return serverSide{}, err
	}
	return parseServerSide(f)
}

func parseServerSide(r io.Reader) (serverSide, error) {
	var ds []time.Duration
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var line struct {
			Msg        string   `json:"msg"`
			DurationMS *float64 `json:"duration_ms"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil || line.Msg != "request" || line.DurationMS == nil {
			continue
		}
		ds = append(ds, time.Duration(*line.DurationMS*float64(time.Millisecond)))
	}
	if err := sc.Err(); err != nil {
		return serverSide{}, err
	}
	if len(ds) == 0 {
		return serverSide{}, nil
	}
	slices.Sort(ds)
	at := func(q float64) time.Duration { return ds[min(len(ds)-1, int(q*float64(len(ds))))] }
	return serverSide{Requests: len(ds), P50: at(0.50), P99: at(0.99), Max: ds[len(ds)-1]}, nil
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/emulator"
)

// result is one terraform plan.
type result struct {
	wall        time.Duration
	tfKB        int64 // peak RSS of the terraform process
	providerKB  int64 // peak RSS of the largest provider plugin process (terraform runs them one after another)
	providerCnt int
	requests    int // requests the emulator received
	limited     int // of them, answered by its rate limit (HTTP 429, or a rate-limit envelope)
	output      int // the output instances the plan showed
}

// outputLine finds the output instances in a plan.
var outputLine = regexp.MustCompile(`(?m)^\s*\+?\s*instances\s*=\s*(\d+)\s*$`)

// plan runs `tf plan` (with args) in dir against srv and measures it. The plan must
// show the output instances = want (any count when want is -1), which proves every
// instance was read.
func plan(tf, cliConfig, dir string, want int, args []string, srv *emulator.Server) (result, error) {
	srv.ResetRequests()
	cmd := exec.Command(tf, append([]string{"plan", "-input=false", "-lock=false", "-no-color"}, args...)...)
	cmd.Dir = dir
	cmd.Env = benchEnv(cliConfig)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out

	_, selfKB, _ := status(os.Getpid(), "VmHWM:") // its RSS at the spawn is at most its peak so far
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	ctx, stop := context.WithCancel(context.Background())
	peaks := make(chan map[int]peak, 1)
	go func() { peaks <- sample(ctx, cmd.Process.Pid) }()
	err := cmd.Wait()
	wall := time.Since(start)
	stop()
	seen := <-peaks
	if err != nil {
		return result{}, fmt.Errorf("%v\n%s", err, tail(out.String(), 40))
	}
	m := outputLine.FindStringSubmatch(out.String())
	if m == nil {
		return result{}, fmt.Errorf("plan output lacks instances:\n%s", tail(out.String(), 40))
	}
	shown, _ := strconv.Atoi(m[1])
	if want >= 0 && shown != want {
		return result{}, fmt.Errorf("plan shows instances = %d, want %d:\n%s", shown, want, tail(out.String(), 40))
	}

	res := result{wall: wall, requests: srv.RequestCount(), output: shown}
	for _, r := range srv.Requests() {
		if r.Status == 429 || r.Code == emulator.CodeESBRateLimit || r.Code == emulator.CodeCMDBRateLimit || r.Code == emulator.CodeGWRateLimit {
			res.limited++
		}
	}
	for pid, p := range seen {
		if pid == cmd.Process.Pid {
			res.tfKB = p.hwmKB
		} else if strings.HasPrefix(p.name, "terraform-prov") { // comm is cut at 15 bytes
			res.providerKB = max(res.providerKB, p.hwmKB)
			res.providerCnt++
		}
	}
	// rusage holds the largest peak of terraform, of the children it reaped and of this
	// process as it was when it spawned terraform (Linux keeps the peak from before
	// exec, and Go spawns with the parent's memory): when it is above all of those
	// others (this process's by its peak, as its RSS at the spawn is not known), it is
	// terraform's own (sampling may miss terraform's last moments).
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		others := selfKB
		for pid, p := range seen {
			if pid != cmd.Process.Pid {
				others = max(others, p.hwmKB)
			}
		}
		if ru.Maxrss > others {
			res.tfKB = max(res.tfKB, ru.Maxrss)
		}
	}
	if res.providerCnt == 0 {
		return result{}, errors.New("no provider process was seen")
	}
	return res, nil
}

// benchEnv is the environment of terraform: the bench CLI config, no checkpoint
// calls, and none of the provider's variables from the caller's environment.
func benchEnv(cliConfig string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "TF_"), strings.HasPrefix(name, "BKCMDB_"), strings.HasPrefix(name, "BK_"):
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
}

// peak is the largest VmHWM seen for one process.
type peak struct {
	name  string
	hwmKB int64
}

// sample polls /proc every 5ms until ctx ends, and returns the peak of root and of
// every process descended from it.
func sample(ctx context.Context, root int) map[int]peak {
	seen := map[int]peak{}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, pid := range descendants(root) {
			name, hwm, ok := status(pid, "VmHWM:")
			if ok && hwm >= seen[pid].hwmKB {
				seen[pid] = peak{name: name, hwmKB: hwm}
			}
		}
		select {
		case <-ctx.Done():
			return seen
		case <-tick.C:
		}
	}
}

// descendants is root and every live process below it.
func descendants(root int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return []int{root}
	}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut after the last ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 {
			continue
		}
		if ppid, err := strconv.Atoi(f[1]); err == nil {
			children[ppid] = append(children[ppid], pid)
		}
	}
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// status reads the name and a memory field (kB) of pid, such as "VmHWM:" (its peak RSS).
func status(pid int, field string) (string, int64, bool) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return "", 0, false
	}
	defer f.Close()
	var name string
	var kb int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Name:"):
			name = strings.TrimSpace(strings.TrimPrefix(line, "Name:"))
		case strings.HasPrefix(line, field):
			fields := strings.Fields(strings.TrimPrefix(line, field))
			if len(fields) > 0 {
				kb, _ = strconv.ParseInt(fields[0], 10, 64)
			}
		}
	}
	return name, kb, kb > 0
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/fleet"
	"github.com/litesweep/litesweep/sweep"
)

// bigReport writes a host report of at least size bytes: a real sweep's
// report (a requirements file pinning litellm 1.82.8, swept by the real
// binary) whose one finding is repeated, each copy at its own path and id,
// as a monorepo of pinned services would give. It returns the number of
// findings.
func bigReport(t *testing.T, bin, out string, size int64) int {
	t.Helper()
	root := t.TempDir()
	write(t, filepath.Join(root, "srv/app/requirements.txt"), "litellm==1.82.8\nrequests==2.31.0\n")
	small := filepath.Join(t.TempDir(), "small.json")
	cmd, _ := peakRSSCommand(context.Background(), t, bin, "host", "--root", root, "--no-live", "-f", "json", "-o", small, "-q")
	if err := cmd.Run(); cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != sweep.ExitFindings {
		t.Fatalf("sweep of the template: %v", err)
	}
	var top map[string]json.RawMessage
	b, err := os.ReadFile(small)
	must(t, err)
	must(t, json.Unmarshal(b, &top))
	var findings []map[string]any
	must(t, json.Unmarshal(top["findings"], &findings))
	if len(findings) != 1 || findings[0]["category"] != "lockfile" {
		t.Fatalf("template report: want one lockfile finding, got %s", top["findings"])
	}
	tmpl := findings[0]
	f, err := os.Create(out)
	must(t, err)
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	// The keys in the order the sweep writes them.
	keys := []string{"schema_version", "tool", "scan", "verdict", "summary", "findings", "timeline", "rotation", "errors", "stats"}
	// Ids and paths are fixed-width, so every copy has the same length.
	finding := func(i int) []byte {
		if i > 0 {
			tmpl["id"] = fmt.Sprintf("LS-%012X", i)
		}
		tmpl["location"] = map[string]any{"path": fmt.Sprintf("/srv/svc-%06d/requirements.txt", i), "line": 1}
		b, err := json.Marshal(tmpl)
		must(t, err)
		return b
	}
	n := int(size/int64(len(finding(1))+1)) + 1
	fmt.Fprint(w, "{")
	for i, k := range keys {
		v, ok := top[k]
		if !ok {
			continue
		}
		if i > 0 {
			fmt.Fprint(w, ",")
		}
		fmt.Fprintf(w, "%q:", k)
		switch k {
		case "findings":
			fmt.Fprint(w, "[")
			for i := 0; i < n; i++ {
				if i > 0 {
					fmt.Fprint(w, ",")
				}
				w.Write(finding(i))
			}
			fmt.Fprint(w, "]")
		case "summary":
			fmt.Fprintf(w, `{"high":%d}`, n)
		default:
			w.Write(v)
		}
	}
	fmt.Fprint(w, "}")
	must(t, w.Flush())
	return n
}

// TestHostileMergeLargeReport merges one 50 MB report (55,000 findings) with
// a truncated copy of it and a FIFO: the report is streamed, never held
// whole (the merge's peak RSS grows by well under the input's size over a
// merge of a tiny report, measured on the real binary), and each skipped
// input is named with its reason.
func TestHostileMergeLargeReport(t *testing.T) {
	bin := litesweepBinary(t)
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	const size = 50 << 20
	n := bigReport(t, bin, big, size)
	fi, err := os.Stat(big)
	must(t, err)
	// A copy cut short, as an interrupted transfer leaves it.
	cut := filepath.Join(dir, "cut.json")
	src, err := os.Open(big)
	must(t, err)
	dst, err := os.Create(cut)
	must(t, err)
	_, err = io.CopyN(dst, src, 20<<20)
	must(t, err)
	src.Close()
	dst.Close()
	fifo := filepath.Join(dir, "pipe.json")
	mkfifo(t, fifo)

	merge := func(inputs ...string) (int, string, int64) {
		out := filepath.Join(t.TempDir(), "fleet.json")
		cmd, peak := peakRSSCommand(context.Background(), t, bin, append([]string{"merge", "-f", "json", "-o", out}, inputs...)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		cmd.Run()
		if cmd.ProcessState == nil {
			t.Fatalf("merge did not run:\n%s", stderr.String())
		}
		return cmd.ProcessState.ExitCode(), out + "\n" + stderr.String(), peak()
	}
	_, _, tiny := merge(filepath.Join(mergeFixtures, "db-01.json"))
	code, outErr, peak := merge(big, cut, fifo)
	out, stderr, _ := strings.Cut(outErr, "\n")
	if code != sweep.ExitFindings {
		t.Errorf("exit %d, want %d (findings)\n%s", code, sweep.ExitFindings, stderr)
	}
	for _, want := range []string{
		"skipped " + cut + " (malformed): truncated JSON: the file ends after 20971520 bytes",
		"skipped " + fifo + " (unreadable)",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	b, err := os.ReadFile(out)
	must(t, err)
	var fr struct {
		Hosts []struct {
			Name     string
			Findings []fleet.FindingIndex
			Summary  map[string]int
		}
		Timeline []fleet.Event
		Skipped  []fleet.Skip
	}
	must(t, json.Unmarshal(b, &fr))
	if len(fr.Hosts) != 1 || len(fr.Hosts[0].Findings) != n || fr.Hosts[0].Summary["high"] != n {
		t.Errorf("want one system with %d high findings indexed, got %d systems", n, len(fr.Hosts))
		for _, h := range fr.Hosts {
			t.Errorf("  %s: %d findings indexed, summary %v", h.Name, len(h.Findings), h.Summary)
		}
	}
	if len(fr.Timeline) > fleet.MaxEventsPerSystem {
		t.Errorf("fleet timeline holds %d events of one system, want at most %d", len(fr.Timeline), fleet.MaxEventsPerSystem)
	}
	if len(fr.Skipped) != 2 {
		t.Errorf("want the cut copy and the FIFO skipped, got %+v", fr.Skipped)
	}
	// Memory: what the big input adds over a tiny one is a fraction of it
	// (the per-finding severity index and the decoder's buffers), and the
	// whole process stays below the input's size.
	grew := peak - tiny
	t.Logf("%d findings, %d MiB input: peak RSS %d MiB (tiny merge %d MiB)", n, fi.Size()>>20, peak>>20, tiny>>20)
	if grew > fi.Size()/3 || peak > fi.Size() {
		t.Errorf("peak RSS %d MiB (%d MiB over a tiny merge) for a %d MiB report: held, not streamed?", peak>>20, grew>>20, fi.Size()>>20)
	}
}

package images

import (
	"archive/tar"
	"context"
	"strings"
	"testing"

	"github.com/litesweep/litesweep/collectors"
	"github.com/litesweep/litesweep/sweep"
	"github.com/litesweep/litesweep/sweep/sweeptest"
)

// payload is an executed .pth line the python collector calls suspicious.
const payload = "import os, subprocess; subprocess.Popen(['sh', '-c', 'id'])\n"

const hookPath = "/" + site + "zz_hook.pth"

// TestTarHardLinks: Docker extracts a hard link as the file it names, so a
// .pth that is a hard link to payload bytes elsewhere (same layer, lower
// layer) is judged as that content; a link to a deleted file is history; a
// link whose content cannot be had is unverified.
func TestTarHardLinks(t *testing.T) {
	type want struct {
		findings int
		visible  bool
		errSub   string // an unverified error at the link mentions this
	}
	stash := "usr/share/doc/x/changelog.bin"
	tests := []struct {
		name   string
		layers [][]member
		stream bool // layers given without Open (a stream source)
		want   want
	}{
		{name: "same layer, target buffered", layers: [][]member{{
			{name: site + "aa_payload.pth", body: payload},
			{name: site + "zz_hook.pth", typ: tar.TypeLink, linkname: site + "aa_payload.pth"}}},
			want: want{findings: 1, visible: true}},
		{name: "same layer, target not wanted", layers: [][]member{{
			{name: stash, body: payload},
			{name: site + "zz_hook.pth", typ: tar.TypeLink, linkname: stash}}},
			want: want{findings: 1, visible: true}},
		{name: "same layer, stream source", stream: true, layers: [][]member{{
			{name: stash, body: payload},
			{name: site + "zz_hook.pth", typ: tar.TypeLink, linkname: stash}}},
			want: want{errSub: "hard link to /" + stash}},
		{name: "lower layer", layers: [][]member{
			{{name: stash, body: payload}},
			{{name: "etc/motd", body: "hi"}},
			{{name: site + "zz_hook.pth", typ: tar.TypeLink, linkname: stash}}},
			want: want{findings: 1, visible: true}},
		{name: "lower layer, whited out in between", layers: [][]member{
			{{name: stash, body: payload}},
			{{name: "usr/share/doc/x/.wh.changelog.bin"}},
			{{name: site + "zz_hook.pth", typ: tar.TypeLink, linkname: stash}}},
			want: want{findings: 1, visible: false}},
		{name: "lower layer, opaque dir in between", layers: [][]member{
			{{name: stash, body: payload}},
			{{name: "usr/share/doc/x/", typ: tar.TypeDir}, {name: "usr/share/doc/x/.wh..wh..opq"}},
			{{name: site + "zz_hook.pth", typ: tar.TypeLink, linkname: stash}}},
			want: want{findings: 1, visible: false}},
		{name: "lower layer, stream source", stream: true, layers: [][]member{
			{{name: stash, body: payload}},
			{{name: site + "zz_hook.pth", typ: tar.TypeLink, linkname: stash}}},
			want: want{errSub: "hard link to /" + stash}},
		{name: "nowhere", layers: [][]member{
			{{name: site + "zz_hook.pth", typ: tar.TypeLink, linkname: "no/such/file"}}},
			want: want{errSub: "hard link to /no/such/file"}},
		{name: "link replaced later", layers: [][]member{
			{{name: stash, body: payload}, {name: site + "zz_hook.pth", typ: tar.TypeLink, linkname: stash}},
			{{name: site + ".wh.zz_hook.pth"}}},
			want: want{findings: 1, visible: false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := sweeptest.Matcher(t)
			sink := sweep.NewCollection(&sweep.Counters{})
			s := &Scanner{Options: collectors.Options{Matcher: m}, Sink: sink}
			var steps []step
			for _, ms := range tc.layers {
				steps = append(steps, step{"RUN x", layerOf(t, ms...)})
			}
			img := fromV1(t, "app:1", buildImage(t, steps...))
			if tc.stream {
				// A stream source: layers read once, in order, no reopening.
				for i := range img.Layers {
					l := img.Layers[i]
					rc, err := l.Open(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					s.readLayer(context.Background(), l.Key, l.Key, layerInput{r: rc})
					rc.Close()
					img.Layers[i].Open = nil
				}
			}
			s.ScanImage(context.Background(), img)
			fs, es := sink.Drain()
			got := findingsAt(fs, "app:1", hookPath)
			if len(got) != tc.want.findings {
				t.Fatalf("%d findings at the link, want %d: %+v (errors %+v)", len(got), tc.want.findings, got, es)
			}
			for _, f := range got {
				if f.Location.Visible == nil || *f.Location.Visible != tc.want.visible {
					t.Errorf("visible %v, want %v", f.Location.Visible, tc.want.visible)
				}
				if f.Severity.Rank() < sweep.High.Rank() {
					t.Errorf("severity %s", f.Severity)
				}
			}
			var unv []sweep.Error
			for _, e := range es {
				if e.Kind == "unverified" && e.Location.Path == hookPath && strings.Contains(e.Message, tc.want.errSub) {
					unv = append(unv, e)
				} else if e.Kind != "skipped" {
					t.Errorf("unexpected error %+v", e)
				}
			}
			if (tc.want.errSub != "") != (len(unv) > 0) {
				t.Errorf("unverified errors %+v, want one mentioning %q: %v", unv, tc.want.errSub, tc.want.errSub != "")
			}
		})
	}
}

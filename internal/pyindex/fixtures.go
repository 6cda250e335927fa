package pyindex

import (
	"fmt"
	"testing"

	"github.com/litesweep/litesweep/iocs"
)

// BenignPth is the fixture litellm_init.pth: one line shaped like the real
// start-up hook (an executed import line that base64-decodes and execs)
// whose payload only runs 'import sys' ('aW1wb3J0IHN5cw==').
const BenignPth = "import os, subprocess, sys; import base64; exec(base64.b64decode('aW1wb3J0IHN5cw=='))\n"

// TamperedProxyServer is the fixture stand-in for the tampered
// litellm/proxy/proxy_server.py: the injected block's shape (imports,
// b64_payload, exec) with a payload that decodes to 'pass'.
const TamperedProxyServer = `# litellm/proxy/proxy_server.py (litesweep test fixture; benign stand-in)
import subprocess, base64, sys, tempfile, os

REALTIME_REQUEST_SCOPE_TEMPLATE = {"type": "websocket"}
b64_payload = "cGFzcw=="
exec(base64.b64decode(b64_payload))


def app():
    return "proxy"
`

// CleanProxyServer is the 1.82.6 fixture module.
const CleanProxyServer = `# litellm/proxy/proxy_server.py (litesweep test fixture; clean)
REALTIME_REQUEST_SCOPE_TEMPLATE = {"type": "websocket"}


def app():
    return "proxy"
`

// TelnyxClient is the fixture stand-in for telnyx/_client.py of 4.87.1.
const TelnyxClient = "# telnyx/_client.py (litesweep test fixture; benign stand-in)\nclass Client:\n    pass\n"

// Fixtures are the ready-made distributions.
type Fixtures struct {
	Clean     Wheel // litellm 1.82.6
	Bad7      Wheel // litellm 1.82.7: tampered proxy_server.py, no .pth
	Bad8      Wheel // litellm 1.82.8: tampered proxy_server.py + litellm_init.pth
	Bad8Orph  Wheel // litellm 1.82.8 whose wheel RECORD omits litellm_init.pth (pip regenerates RECORD at install, so pip still removes it; for unpacking tests)
	Telnyx    Wheel // telnyx 4.87.1
	Sdist8    Sdist // litellm-1.82.8.tar.gz carrying litellm_init.pth at its root
	Pth       []byte
	Proxy     []byte // tampered proxy_server.py
	Telnyxpy  []byte // telnyx/_client.py
	ProxyPath string // "litellm/proxy/proxy_server.py"
}

// Litellm returns the fixture set.
func Litellm() Fixtures {
	base := func(proxy string) []File {
		return []File{
			{Path: "litellm/__init__.py", Data: []byte("__version__ = \"fixture\"\n")},
			{Path: "litellm/proxy/__init__.py", Data: []byte("")},
			{Path: "litellm/proxy/proxy_server.py", Data: []byte(proxy)},
		}
	}
	meta := []string{"Summary: Library to easily interface with LLM API providers (litesweep fixture)", "License: MIT"}
	bad8 := append(base(TamperedProxyServer), File{Path: "litellm_init.pth", Data: []byte(BenignPth)})
	return Fixtures{
		Clean:    Wheel{Name: "litellm", Version: "1.82.6", Files: base(CleanProxyServer), Metadata: meta},
		Bad7:     Wheel{Name: "litellm", Version: "1.82.7", Files: base(TamperedProxyServer), Metadata: meta},
		Bad8:     Wheel{Name: "litellm", Version: "1.82.8", Files: bad8, Metadata: meta},
		Bad8Orph: Wheel{Name: "litellm", Version: "1.82.8", Files: bad8, Metadata: meta, OmitFromRecord: []string{"litellm_init.pth"}},
		Telnyx: Wheel{Name: "telnyx", Version: "4.87.1", Metadata: []string{"Summary: Telnyx API (litesweep fixture)"}, Files: []File{
			{Path: "telnyx/__init__.py", Data: []byte("")},
			{Path: "telnyx/_client.py", Data: []byte(TelnyxClient)},
		}},
		Sdist8:    Sdist{Name: "litellm", Version: "1.82.8", Files: append(base(TamperedProxyServer), File{Path: "litellm_init.pth", Data: []byte(BenignPth)})},
		Pth:       []byte(BenignPth),
		Proxy:     []byte(TamperedProxyServer),
		Telnyxpy:  []byte(TelnyxClient),
		ProxyPath: "litellm/proxy/proxy_server.py",
	}
}

// Artifacts builds the index's standard content: litellm 1.82.6, 1.82.7,
// 1.82.8 (with the .pth in RECORD) and telnyx 4.87.1 wheels.
func (f Fixtures) Artifacts(t testing.TB) []Artifact {
	t.Helper()
	return []Artifact{WheelArtifact(t, f.Clean), WheelArtifact(t, f.Bad7), WheelArtifact(t, f.Bad8), WheelArtifact(t, f.Telnyx)}
}

// Real hashes in the builtin pack that the fixtures stand in for.
const (
	realPthSHA    = "71e35aef03099cd1f2d6446734273025a163597de93912df321ef118bf135238"
	realPthSize   = "size: 34628"
	realProxySHA  = "a0d229be8efcb2f9135e2ad55ba275b76ddcfeb55fa4370e0a522a5bdee0120b"
	realWheel7SHA = "8395c3268d5c5dbae1c7c6d4bb3c318c752ba4608cfcd90eb97ffb94a910eac2"
	realWheel8SHA = "d2a0d5f564628773b6af7b9c11f6b86531a875bd2d186d7081ab62748a800ebb"
	realSdist8SHA = "d39f4e7a218053cce976c91eacf184cf09a6960c731cc9d66d8e1a53406593a5"
	realTelnyxSHA = "7321caa303fe96ded0492c747d2f353c4f7d17185656fe292ab0a59e2bd0b8d9"
	realTelnyxPy  = "23b1ec58649170650110ecad96e5a9490d98146e105226a16d898fbe108139e5"
)

// TestPackSources returns the builtin packs with the fixtures' hashes and
// the fixture .pth's size substituted for the real ones.
func (f Fixtures) TestPackSources() ([]iocs.Source, error) {
	srcs, err := iocs.BuiltinSources()
	if err != nil {
		return nil, err
	}
	sum := func(w Wheel) (string, error) {
		d, err := w.Build()
		return SHA256(d), err
	}
	w7, err := sum(f.Bad7)
	if err != nil {
		return nil, err
	}
	w8, err := sum(f.Bad8)
	if err != nil {
		return nil, err
	}
	wt, err := sum(f.Telnyx)
	if err != nil {
		return nil, err
	}
	sd, err := f.Sdist8.Build()
	if err != nil {
		return nil, err
	}
	return iocs.Replace(iocs.Renamed(srcs, "pyindex-test-pack/"),
		realPthSHA, SHA256(f.Pth),
		realPthSize, fmt.Sprintf("size: %d", len(f.Pth)),
		realProxySHA, SHA256(f.Proxy),
		realWheel7SHA, w7,
		realWheel8SHA, w8,
		realSdist8SHA, SHA256(sd),
		realTelnyxSHA, wt,
		realTelnyxPy, SHA256(f.Telnyxpy))
}

// TestMatcher composes TestPackSources and compiles it.
func (f Fixtures) TestMatcher(t testing.TB) *iocs.Matcher {
	t.Helper()
	srcs, err := f.TestPackSources()
	if err != nil {
		t.Fatal(err)
	}
	l, err := iocs.Compose(srcs, iocs.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := iocs.Compile(l)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

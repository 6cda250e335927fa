package sweep

import (
	"strings"
	"testing"
)

const mountinfo = `21 26 0:20 / /proc rw,relatime - proc proc rw
26 1 254:0 / / rw,relatime - ext4 /dev/vda rw
40 26 254:1 / /home rw,relatime shared:5 - xfs /dev/vdb rw
41 26 0:40 / /tmp rw - tmpfs tmpfs rw
42 26 0:41 / /mnt/nas rw - nfs4 nas:/export rw
43 26 0:42 / /mnt/my\040disk rw - fuseblk /dev/sdc1 rw
44 26 0:43 / /home/bob/remote rw - fuse.sshfs bob@host: rw
45 26 254:1 /alice /srv/alice rw - xfs /dev/vdb rw
46 26 0:44 / /var/lib/docker/overlay2/abc/merged rw - overlay overlay rw
47 26 0:45 / /net rw - autofs systemd-1 rw
48 26 0:46 / /media/x rw - fuse.weirdfs x rw
`

func TestParseMountInfo(t *testing.T) {
	ms := parseMountInfo(strings.NewReader(mountinfo), "/")
	if m := ms["/mnt/my disk"]; m.FSType != "fuseblk" {
		t.Errorf("escaped mount point: %+v", m)
	}
	if m := ms["/home"]; m.FSType != "xfs" || m.Dev != "254:1" || m.FSRoot != "/" {
		t.Errorf("/home: %+v", m)
	}
	// Below a --root: paths relative to it, others dropped.
	ms = parseMountInfo(strings.NewReader(mountinfo), "/home")
	if len(ms) != 2 || ms["/"].FSType != "xfs" || ms["/bob/remote"].FSType != "fuse.sshfs" {
		t.Errorf("mounts below /home: %+v", ms)
	}
}

func TestMountDecisions(t *testing.T) {
	ms := parseMountInfo(strings.NewReader(mountinfo), "/")
	tests := []struct {
		path   string
		policy MountPolicy
		walk   bool
		kind   ErrorKind
	}{
		{"/home", MountsLocal, true, ""},
		{"/tmp", MountsLocal, true, ""},
		{"/mnt/my disk", MountsLocal, true, ""},
		{"/proc", MountsLocal, false, ErrKindSkipped},
		{"/mnt/nas", MountsLocal, false, ErrKindSkipped},
		{"/mnt/nas", MountsAll, true, ""},
		{"/home/bob/remote", MountsLocal, false, ErrKindSkipped},
		{"/var/lib/docker/overlay2/abc/merged", MountsAll, false, ErrKindSkipped},
		{"/net", MountsAll, false, ErrKindSkipped},
		{"/media/x", MountsLocal, false, ErrKindUnverified},
		{"/media/x", MountsAll, true, ""},
		{"/home", MountsNone, false, ErrKindUnverified},
		{"/tmp", MountsNone, false, ErrKindUnverified},
		{"/mnt/nas", MountsNone, false, ErrKindSkipped},
	}
	for _, tt := range tests {
		m := ms[tt.path]
		d := tt.policy.decide(Classify(m.FSType, tt.path), m.FSType, false)
		if d.walk != tt.walk || (!d.walk && d.kind != tt.kind) {
			t.Errorf("%s (%s) policy %d: walk=%v kind=%q (%s), want walk=%v kind=%q", tt.path, m.FSType, tt.policy, d.walk, d.kind, d.reason, tt.walk, tt.kind)
		}
		if !d.walk && d.reason == "" {
			t.Errorf("%s: no reason", tt.path)
		}
	}
	// /srv/alice shows /home/alice again (same device, a subdirectory).
	if b := bindOf(ms["/srv/alice"], ms); b != "/home" {
		t.Errorf("bindOf(/srv/alice) = %q, want /home", b)
	}
	if b := bindOf(ms["/home"], ms); b != "" {
		t.Errorf("bindOf(/home) = %q, want none", b)
	}
}

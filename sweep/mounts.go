package sweep

import (
	"bufio"
	"io"
	"path"
	"strconv"
	"strings"
)

// MountPolicy says which filesystems mounted below the root the walk enters.
type MountPolicy int

const (
	// MountsLocal (the default) walks every local filesystem: disks, tmpfs,
	// overlay, squashfs... It skips pseudo, network and remote filesystems
	// and container engine stores, each recorded with its reason.
	MountsLocal MountPolicy = iota
	// MountsNone stays on the root's filesystem (--no-cross-mounts). A local
	// filesystem not walked makes the verdict INCOMPLETE unless --skip names it.
	MountsNone
	// MountsAll also walks network and remote filesystems and FUSE mounts of
	// unknown kind (--cross-mounts). Pseudo filesystems and engine stores stay skipped.
	MountsAll
)

// MountClass is what a mounted filesystem is, for the walk's decision.
type MountClass int

const (
	MountLocal       MountClass = iota // disk-backed or memory-backed local data: walked
	MountPseudo                        // kernel state, not files anyone wrote
	MountNetwork                       // network, remote or host-shared: may hang, is another machine's data
	MountEngine                        // a container engine's store: `litesweep images`
	MountAuto                          // automounter: walking it would trigger mounts
	MountUnknownFUSE                   // FUSE of unknown kind: local or remote cannot be told
)

// Mount is one filesystem mounted at or below the scanned root.
type Mount struct {
	Path   string // tree path of the mount point ("/" for the root's own)
	FSType string // e.g. ext4, tmpfs, fuse.sshfs
	Source string // e.g. /dev/sda2, server:/export
	Dev    string // major:minor
	FSRoot string // the directory of the filesystem mounted here (bind mounts)
}

// pseudoFS are kernel and virtual filesystems: nothing on them was written
// by a package manager.
var pseudoFS = setOf("proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "securityfs", "debugfs",
	"tracefs", "pstore", "bpf", "mqueue", "hugetlbfs", "configfs", "fusectl", "binfmt_misc", "efivarfs",
	"selinuxfs", "rpc_pipefs", "nsfs", "nfsd", "sockfs", "pipefs", "binder", "fuse.lxcfs", "fuse.portal",
	"fuse.gvfsd-fuse", "fuse.xdg-document-portal", "smackfs", "apparmorfs", "rdt", "resctrl", "autofs_internal")

// networkFS are network, remote, cluster-network and host-shared filesystems.
var networkFS = setOf("nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "ncp", "afs", "coda", "ceph",
	"glusterfs", "lustre", "gpfs", "9p", "virtiofs", "drvfs", "vboxsf", "vmhgfs", "davfs", "beegfs",
	"orangefs", "pvfs2", "quobyte", "fuse.sshfs", "fuse.s3fs", "fuse.rclone", "fuse.gcsfuse", "fuse.goofys",
	"fuse.glusterfs", "fuse.ceph-fuse", "fuse.cephfs", "fuse.juicefs", "fuse.blobfuse", "fuse.blobfuse2",
	"fuse.seaweedfs", "fuse.onedriver", "fuse.mountpoint-s3", "fuse.curlftpfs", "fuse.smbnetfs",
	"fuse.google-drive-ocamlfuse", "fuse.keybase", "fuse.mfs", "fuse.lizardfs", "fuse.cvmfs2",
	"fuse.davfs", "fuse.vmhgfs-fuse", "fuse.s3backer", "fuse.sshfs-win", "fuse.dropbox", "fuse.kbfsfuse")

// localFUSE are FUSE filesystems over local data.
var localFUSE = setOf("fuseblk", "fuse.ntfs-3g", "fuse.ntfs", "fuse.exfat", "fuse.bindfs", "fuse.mergerfs",
	"fuse.fuse-overlayfs", "fuse.squashfuse", "fuse.squashfuse_ll", "fuse.encfs", "fuse.gocryptfs",
	"fuse.cryfs", "fuse.zfs-fuse", "fuse.apfs-fuse", "fuse.unionfs", "fuse.unionfs-fuse", "fuse.archivemount",
	"fuse.fuseiso", "fuse.ecryptfs", "fuse.veracrypt", "fuse.AppImage", "fuse.appimage")

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// engineStoreMarkers are path pieces of container engine stores.
var engineStoreMarkers = []string{"/var/lib/docker/", "/var/lib/containerd/", "/var/lib/containers/",
	"/containers/storage/overlay", "/io.containerd.", "/run/docker/", "/run/containerd/"}

// Classify says what a filesystem of type fstype mounted at tree path p is.
// Unknown kernel types count as local (walking is the fail-closed choice;
// every read is bounded); unknown FUSE types cannot be told apart.
func Classify(fstype, p string) MountClass {
	switch {
	case fstype == "autofs":
		return MountAuto
	case pseudoFS[fstype]:
		return MountPseudo
	case networkFS[fstype]:
		return MountNetwork
	}
	for _, m := range engineStoreMarkers {
		if strings.Contains(p+"/", m) {
			return MountEngine
		}
	}
	if fstype == "fuse" || strings.HasPrefix(fstype, "fuse.") {
		if localFUSE[fstype] {
			return MountLocal
		}
		return MountUnknownFUSE
	}
	return MountLocal
}

// Reason is the report's wording for a class not walked.
func (c MountClass) Reason(fstype string) string {
	switch c {
	case MountPseudo:
		return "pseudo filesystem (" + fstype + ")"
	case MountNetwork:
		return "network or remote filesystem (" + fstype + "; --cross-mounts walks it)"
	case MountEngine:
		return "container engine store (" + fstype + "): use `litesweep images`"
	case MountAuto:
		return "automounter (autofs): walking it would trigger mounts"
	case MountUnknownFUSE:
		return "FUSE filesystem (" + fstype + ") that may be remote: not walked (--cross-mounts walks it, --skip accepts it)"
	}
	return "local filesystem (" + fstype + ")"
}

// mountDecision is what the walk does at a mount point.
type mountDecision struct {
	walk   bool
	kind   ErrorKind // for an entry when not walked
	reason string
}

// decide applies the policy to a mount of the given class.
func (p MountPolicy) decide(c MountClass, fstype string, pseudo bool) mountDecision {
	switch c {
	case MountLocal:
		if p == MountsNone {
			return mountDecision{kind: ErrKindUnverified, reason: "local filesystem (" + fstype +
				") mounted here not walked (--no-cross-mounts); name it with --skip to accept"}
		}
		return mountDecision{walk: true}
	case MountPseudo:
		if pseudo && p != MountsNone {
			return mountDecision{walk: true}
		}
	case MountNetwork:
		if p == MountsAll {
			return mountDecision{walk: true}
		}
	case MountUnknownFUSE:
		if p == MountsAll {
			return mountDecision{walk: true}
		}
		return mountDecision{kind: ErrKindUnverified, reason: c.Reason(fstype)}
	}
	return mountDecision{kind: ErrKindSkipped, reason: c.Reason(fstype)}
}

// parseMountInfo reads /proc/self/mountinfo lines and returns the mounts at
// or below hostRoot, keyed by tree path (the last mount at a point wins,
// as it hides the earlier ones).
func parseMountInfo(r io.Reader, hostRoot string) map[string]Mount {
	out := map[string]Mount{}
	hostRoot = path.Clean("/" + hostRoot)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		sep := -1
		for i, x := range f {
			if x == "-" && i >= 6 {
				sep = i
				break
			}
		}
		if sep < 0 || len(f) < sep+3 {
			continue
		}
		mp := unescapeMount(f[4])
		var tp string
		switch {
		case hostRoot == "/":
			tp = mp
		case mp == hostRoot:
			tp = "/"
		case strings.HasPrefix(mp, hostRoot+"/"):
			tp = mp[len(hostRoot):]
		default:
			continue
		}
		out[tp] = Mount{Path: tp, FSType: f[sep+1], Source: unescapeMount(f[sep+2]), Dev: f[2], FSRoot: unescapeMount(f[3])}
	}
	return out
}

// unescapeMount undoes the octal escapes of mountinfo (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// bindOf returns the walked mount whose contents m duplicates (a bind mount
// of a directory the walk reaches anyway), or "".
func bindOf(m Mount, all map[string]Mount) string {
	if m.Dev == "" {
		return ""
	}
	best := ""
	for p, o := range all {
		if p == m.Path || o.Dev != m.Dev || hasPrefixPath(p, m.Path) || !hasPrefixPath(m.FSRoot, o.FSRoot) {
			continue
		}
		if Classify(o.FSType, p) != MountLocal {
			continue
		}
		// The other mount shows m's directory at p + (m.FSRoot - o.FSRoot):
		// reached only if that is not m's own mount point or below it.
		at := path.Join(p, strings.TrimPrefix(m.FSRoot, o.FSRoot))
		if hasPrefixPath(at, m.Path) || hasPrefixPath(m.Path, at) {
			continue
		}
		if best == "" || p < best {
			best = p
		}
	}
	return best
}

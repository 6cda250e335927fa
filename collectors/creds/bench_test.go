package creds_test

import (
	"fmt"
	"io/fs"
	"testing"

	"github.com/litesweep/litesweep/collectors/creds"
	"github.com/litesweep/litesweep/sweep"
)

// BenchmarkFileRequired measures the predicate every walked file goes
// through, on typical non-credential paths of a host with 50 homes.
func BenchmarkFileRequired(b *testing.B) {
	var homes []sweep.Home
	for i := range 50 {
		homes = append(homes, sweep.Home{User: fmt.Sprint("u", i), UID: 1000 + i, Dir: fmt.Sprint("/home/u", i)})
	}
	l := pack(&testing.T{})
	c := creds.New(creds.Options{Pack: l, Homes: homes})
	paths := []string{
		"/usr/lib/python3/dist-packages/requests/adapters.py",
		"/home/u7/src/project/node_modules/lodash/lodash.js",
		"/home/u12/.cache/pip/http-v2/a/b/c/d/e/0123456789abcdef",
		"/var/lib/dpkg/info/libc6.list",
		"/home/u3/.aws/credentials",
	}
	ents := make([]*sweep.Entry, len(paths))
	for i, p := range paths {
		ents[i] = sweep.NewEntry(p, 0, func() (fs.FileInfo, error) { return nil, fs.ErrNotExist })
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.FileRequired(ents[i%len(ents)])
	}
}

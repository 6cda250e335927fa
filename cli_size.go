package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// byteSize is a size flag's value: a number of bytes, or a number with a
// binary unit (64K, 64M, 1G, 2T; KiB/MiB/GiB/TiB and KB/MB/GB/TB mean the
// same, as in docker --memory and kubectl quantities' binary units).
type byteSize int64

var sizeUnits = []struct {
	suffix string
	shift  uint
}{{"T", 40}, {"G", 30}, {"M", 20}, {"K", 10}}

// parseSize reads "67108864", "64M", "64MiB", "64mb".
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "IB"), "B")
	shift := uint(0)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, shift = strings.TrimSuffix(t, u.suffix), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("size %q: want bytes or a number with K, M, G or T (e.g. 64M)", s)
	}
	if n > (1<<63-1)>>shift {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n << shift, nil
}

// formatSize is n in the largest unit that divides it: 64M, 1G, 1000.
func formatSize(n int64) string {
	for _, u := range sizeUnits {
		if n != 0 && n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

func (b *byteSize) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

func (b *byteSize) String() string {
	if b == nil {
		return ""
	}
	return formatSize(int64(*b))
}

// sizeFlag declares a size flag; its usage names the value `SIZE`.
func sizeFlag(name string, def int64, usage string) cli.Flag {
	v := byteSize(def)
	return &cli.GenericFlag{Name: name, Value: &v, Usage: usage + "; SIZE in bytes or with K, M, G"}
}

// sizeValue reads a flag declared with sizeFlag.
func sizeValue(c *cli.Context, name string) int64 {
	if b, ok := c.Generic(name).(*byteSize); ok {
		return int64(*b)
	}
	return 0
}

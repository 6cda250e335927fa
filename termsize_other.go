//go:build !unix

package main

import "os"

// terminalColumns is 0 where the width cannot be asked for: the table then
// uses COLUMNS or its fixed default width.
func terminalColumns(*os.File) int { return 0 }

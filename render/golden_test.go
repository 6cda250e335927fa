package render

import "flag"

// update regenerates golden files: go test ./render -update
// Shared by every renderer's golden test in this package.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

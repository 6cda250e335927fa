package main

import (
	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/scan"
)

func sbomCommand() *cli.Command {
	return &cli.Command{
		Name:      "sbom",
		Usage:     "check SBOMs (CycloneDX JSON/XML, SPDX JSON/tag-value) for components that are compromised releases",
		ArgsUsage: "FILE...",
		Description: "Reads software bills of materials such as syft, trivy, cdxgen or GitHub's dependency-graph export\n" +
			"write, and reports every component that is an affected distribution of the pack: by package URL\n" +
			"(pkg:pypi/litellm@1.82.8), or by name and version after PEP 503/440 normalisation when the component\n" +
			"has no package URL (graded lower), or by a component SHA-256 equal to a bad release's file. The\n" +
			"location is the SBOM's subject (an image or a repository) and the file. A document that is truncated,\n" +
			"malformed, of an unknown format or spec version, or lists no components makes the verdict INCOMPLETE.\n\n" +
			"Examples:\n" +
			"  litesweep sbom sboms/*.cdx.json\n" +
			"  syft registry.example.com/app:1.4 -o spdx-json > app.spdx.json && litesweep sbom app.spdx.json",
		Flags: append([]cli.Flag{
			sizeFlag("max-sbom-size", scan.DefaultMaxSBOMBytes, "read at most `SIZE` of one SBOM"),
		}, reportFlags()...),
		Action: runSBOM,
	}
}

func runSBOM(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("sbom needs at least one FILE (a CycloneDX or SPDX document)")
	}
	failOn, l, m, err := reportSetup(c)
	if err != nil {
		return err
	}
	r, err := scan.Run(c.Context, newEnv(c, l, m), scan.SBOMOptions{Files: c.Args().Slice(), MaxBytes: sizeValue(c, "max-sbom-size")})
	if err != nil {
		return err
	}
	return emitReport(c, r, failOn)
}

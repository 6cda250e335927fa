package main

import (
	"github.com/urfave/cli/v2"

	"github.com/litesweep/litesweep/scan"
)

func imagesCommand() *cli.Command {
	return &cli.Command{
		Name:      "images",
		Usage:     "sweep container images layer by layer (local engine, docker save tarballs, OCI layouts, engine data roots, registries)",
		ArgsUsage: "[IMAGE...]",
		Description: "Reads every layer of every image once, as a stream, and runs the host collectors on each layer's\n" +
			"files. A finding names the image, the layer and the Dockerfile step that added it, and says whether\n" +
			"the file is visible in the final image (critical) or only in its history (high: it shipped, and\n" +
			"anything present during that build may have leaked). Containers using an affected image are listed.\n" +
			"With no source flag, every image of the local engine is scanned; IMAGE names, IDs or ID prefixes\n" +
			"narrow the engine and data-root scans.\n\n" +
			"--registry sweeps a whole registry: repositories from the catalog API, every tag, every platform of an\n" +
			"index (or --platform), each distinct layer digest downloaded and read once however many images share\n" +
			"it, the config first (--since skips old images after their config alone). Repositories or tags that\n" +
			"cannot be listed or resolved are named in the report.\n\n" +
			examples(
				"litesweep images                                 # every image of the local engine",
				"litesweep images python:3.12-slim myapp:latest   # some of them",
				"litesweep images --archive app.tar --oci-layout ./layout",
				"litesweep images --remote registry.example.com/team/app:1.4",
				"litesweep images --registry registry.internal:5000 --since 2026-03-01 -f json -o registry.json",
				"litesweep images --registry ghcr.io/acme/api --platform linux/amd64",
				"litesweep images --data-root /mnt/disk/var/lib/docker   # a dead host's engine store",
			),
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "docker-host", Usage: "engine address `URI` (default $DOCKER_HOST, else " + scan.DefaultDockerHost + ")"},
			&cli.StringSliceFlag{Name: "archive", Usage: "scan a `FILE` written by docker save (legacy or OCI flavour), or a tarred OCI layout (repeatable)"},
			&cli.StringSliceFlag{Name: "oci-layout", Usage: "scan an OCI image layout `DIR` (repeatable)"},
			&cli.StringSliceFlag{Name: "data-root", Usage: "scan an engine store `DIR` without the engine: a Docker data root, a containerd root or a containers/storage root, or a mounted host root holding them (repeatable)"},
			&cli.StringSliceFlag{Name: "remote", Usage: "pull and scan `REF` from its registry with the docker config's credentials (repeatable)"},
			&cli.StringSliceFlag{Name: "registry", Usage: "sweep every tag of every repository of the registry `HOST[:PORT]` (catalog API), or of one repository HOST/NAMESPACE/REPO (registries without a catalog: Docker Hub, GHCR); repeatable"},
			&cli.BoolFlag{Name: "insecure-registry", Usage: "allow plain-HTTP registries for --remote and --registry"},
			&cli.StringFlag{Name: "platform", Usage: "for --remote and --registry indexes, sweep only `OS/ARCH[/VARIANT]` (default: --registry sweeps every platform, --remote linux/amd64)"},
			&cli.StringFlag{Name: "since", Usage: "--registry: skip images whose config says they were created before `DATE` (YYYY-MM-DD or RFC 3339)"},
			&cli.IntFlag{Name: "jobs", Value: scan.DefaultRegistryJobs, Usage: "--registry: resolve and read `N` images at once (bounds parallel blob downloads)"},
			&cli.StringFlag{Name: "window", Usage: "exposure window `START..END` (default: the pack's PyPI window)"},
			sizeFlag("max-hash-size", scan.DefaultMaxHashSize, "buffer, hash or scan at most `SIZE` of one wanted file"),
			sizeFlag("max-layer-size", scan.DefaultMaxLayerBytes, "read at most `SIZE` of one decompressed layer (decompression bombs)"),
		}, reportFlags()...),
		Action: runImages,
	}
}

func runImages(c *cli.Context) error {
	failOn, l, m, err := reportSetup(c)
	if err != nil {
		return err
	}
	window, err := windowFlag(c)
	if err != nil {
		return err
	}
	o := scan.ImagesOptions{Archives: c.StringSlice("archive"), Layouts: c.StringSlice("oci-layout"),
		DataRoots: c.StringSlice("data-root"), Remotes: c.StringSlice("remote"),
		Engine: c.IsSet("docker-host"), DockerHost: c.String("docker-host"), Only: c.Args().Slice(),
		Window: window, MaxHashSize: sizeValue(c, "max-hash-size"), MaxLayerBytes: sizeValue(c, "max-layer-size"),
		Registries: c.StringSlice("registry"), Insecure: c.Bool("insecure-registry"), Platform: c.String("platform"),
		Jobs: c.Int("jobs")}
	if d := c.String("since"); d != "" {
		if o.Since, err = parseTime(d); err != nil {
			return usagef("--since: %v", err)
		}
	}
	r, err := scan.Run(c.Context, newEnv(c, l, m), o)
	if err != nil {
		return flagNamed(err, map[string]string{"Platform": "platform", "Jobs": "jobs", "Registries": "registry"})
	}
	return emitReport(c, r, failOn)
}

package images

import "github.com/litesweep/litesweep/sweep"

// Finding categories of the image sweep itself; the file collectors'
// categories come with the findings they make in each layer.
const (
	CatBuildStep sweep.Category = "image/build-step"
	CatContainer sweep.Category = "image/container"
	CatBadImage  sweep.Category = "image/bad-image"
)

// Categories declares the categories this target emits.
var Categories = []sweep.CategoryInfo{
	{Category: CatBuildStep, Short: "An image build step names a bad release",
		Description: "A step of the image's build history (its Dockerfile RUN line) installs, pins or removes a bad release: the release was part of the build, and its payload may have run in the build environment, whatever later layers removed.",
		Help: []string{
			"Change the Dockerfile step to pin a clean version with hashes (the package's last_clean or first_clean version in the pack) and rebuild without the build cache (`docker build --no-cache`), so no layer of the old step is reused.",
			"The payload runs when Python starts during the build: rotate the secrets the build could read (build arguments, mounted secrets, the registry and CI credentials of the builder).",
		}},
	{Category: CatBadImage, Short: "An image is a bad image of the pack",
		Description: "The image has the published digest of a bad image (its manifest, the index it was pulled by, a RepoDigest): critical; or it carries a tag that only ever named the bad release (high; medium when its digest is not one the sources published, a re-push or rebuild under that name), or a tag that named the bad image only during a window and was resolved or built inside it (high; medium when the time is unknown). Its repository is the pack's, or the same path under another registry (a mirror).",
		Help: []string{
			"Keep the image as evidence (`docker save`, or leave it in the registry under a quarantine tag), then delete it from engines and registries and pull the clean release by digest.",
			"Whatever ran the image (CI jobs, containers, pods) ran the payload: rotate the secrets it could read, as the pack's description of the release says.",
		}},
	{Category: CatContainer, Short: "A container uses an affected image",
		Description: "A container of the engine (running or stopped) was created from an image with findings: it runs, or ran, the affected filesystem.",
		Help: []string{
			"Stop the container and replace it with one from a rebuilt, clean image; keep the old container (`docker export`) as evidence until the investigation is closed.",
			"Rotate the secrets the container held: its environment variables, mounted files and the service credentials it used.",
		}},
}

// ImageHelp is what to do about any finding located in an image (a layer
// file, a build step, a container), after its category's own help.
var ImageHelp = []string{
	"Rebuild the image from a clean base with a pinned clean version, push it under a new tag, redeploy every workload that uses the old image, and delete or quarantine the old image in the registry.",
	"Rotate the secrets the image's containers and builds held (environment, mounted files, build arguments); for a layer only in the image's history, rotate those of the build.",
}

package plumbline.rules.image_digest_missing

import rego.v1

import data.plumbline.lib.images

# Off unless params.images.requireDigest is exactly true.
require_digest if object.get(object.get(data.plumbline.params, "images", {}), "requireDigest", false) == true

violation contains v if {
	require_digest
	some c in data.plumbline.lib.k8s.containers
	img := c.container.image
	is_string(img)
	not images.exempt(img)

	# Invalid references are image-reference-invalid's business.
	ref := images.reference(img)
	ref.digest == null
	v := {
		"msg": sprintf(
			"%s uses image %q %s",
			[c.desc, img, how(ref)],
		),
		"path": concat("", [c.path, "/image"]),
		"details": {"image": img, "container": c.name, "tag": ref.tag},
	}
}

how(ref) := "without a digest" if ref.tag != null

how(ref) := "without a tag or digest" if ref.tag == null

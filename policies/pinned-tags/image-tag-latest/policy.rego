package plumbline.rules.image_tag_latest

import rego.v1

import data.plumbline.lib.images

# Each distinct image is judged once (input.images holds the parsed reference of every string
# image of the object); only then are the containers that use a reported image looked up.
violation contains v if {
	some img, fact in input.images
	ref := fact.reference
	ref != null
	ref.digest == null
	problem := tag_problem(ref.tag)
	not images.exempt(img)
	some c in data.plumbline.lib.k8s.containers
	c.container.image == img
	v := {
		"msg": sprintf("%s uses image %q %s", [c.desc, img, problem]),
		"path": concat("", [c.path, "/image"]),
		"details": {"image": img, "container": c.name, "tag": ref.tag},
	}
}

tag_problem(tag) := "without a tag (:latest)" if {
	tag == null
} else := sprintf("with the moving tag %q", [tag]) if {
	tag in data.plumbline.lib.images.params.disallowedTags
}

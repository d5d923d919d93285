package plumbline.rules.image_tag_latest

import rego.v1

import data.plumbline.lib.images
import data.plumbline.lib.k8s

violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	img := c.container.image
	is_string(img)
	not images.exempt(img)
	ref := images.reference(img)
	ref.digest == null
	problem := tag_problem(ref.tag)
	v := {
		"msg": sprintf("%s uses image %q %s; pin a specific version or a digest", [c.desc, img, problem]),
		"path": concat("", [c.path, "/image"]),
		"details": {"image": img, "container": c.name, "tag": ref.tag},
	}
}

tag_problem(tag) := "without a tag (it means :latest, which moves)" if tag == null

tag_problem(tag) := sprintf("with the mutable tag %q", [tag]) if {
	tag != null
	tag in data.plumbline.lib.images.params.disallowedTags
}

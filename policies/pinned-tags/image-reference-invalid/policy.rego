package plumbline.rules.image_reference_invalid

import rego.v1


# An image string the engine could not parse (input.images[img].reference == null). Each distinct
# image is judged once; only then are the containers that use it looked up.
violation contains v if {
	some img, entry in object.get(input, "images", {})
	is_object(entry)
	entry.reference == null
	some c in data.plumbline.lib.k8s.containers
	c.container.image == img
	reason := object.get(entry, "error", null)
	v := {
		"msg": sprintf(
			"%s has invalid image reference %q: %s",
			[c.desc, img, why(reason)],
		),
		"path": concat("", [c.path, "/image"]),
		"details": {"image": img, "container": c.name, "reason": why(reason)},
	}
}

# image set to something other than a string (a number, a list, a map).
# (c.image is the image, or "" when absent.)
violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	img := c.image
	not is_string(img)
	img != null
	v := {
		"msg": sprintf(
			"%s sets image to a %s, not a string",
			[c.desc, type_name(img)],
		),
		"path": concat("", [c.path, "/image"]),
		"details": {"image": sprintf("%v", [img]), "container": c.name, "reason": "not a string"},
	}
}

# No image at all (absent or null) on a regular or init container: the API server rejects it
# (spec.containers[*].image: Required value).
violation contains v if {
	some c in data.plumbline.lib.k8s.runtime_containers
	c.image in {null, ""}
	object.get(c.container, "image", null) == null
	v := {
		"msg": sprintf(
			"%s has no image",
			[c.desc],
		),
		"path": path_of_missing(c),
		"details": {"image": "", "container": c.name, "reason": "missing"},
	}
}

why(reason) := reason if {
	is_string(reason)
} else := "unparseable"

# Point at `image: null` when the key is there, else at the container that lacks it.
path_of_missing(c) := concat("", [c.path, "/image"]) if {
	"image" in object.keys(c.container)
} else := c.path

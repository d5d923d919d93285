package plumbline.rules.image_reference_invalid

import rego.v1

import data.plumbline.lib.k8s

# An image string the engine could not parse (input.images[img].reference == null).
violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	img := c.container.image
	is_string(img)
	entry := object.get(object.get(input, "images", {}), img, null)
	is_object(entry)
	entry.reference == null
	reason := object.get(entry, "error", null)
	v := {
		"msg": sprintf(
			"%s has image %q, which is not a valid image reference (%s); use [registry[:port]/]repository[:tag][@sha256:digest] with a lower-case repository",
			[c.desc, img, why(reason)],
		),
		"path": concat("", [c.path, "/image"]),
		"details": {"image": img, "container": c.name, "reason": why(reason)},
	}
}

# image set to something other than a string (a number, a list, a map).
violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	img := object.get(c.container, "image", null)
	img != null
	not is_string(img)
	v := {
		"msg": sprintf(
			"%s sets image to a %s; image must be a string such as registry.example.com/erp/odoo:17.0",
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
	object.get(c.container, "image", null) == null
	v := {
		"msg": sprintf(
			"%s has no image; every container must name the image it runs",
			[c.desc],
		),
		"path": path_of_missing(c),
		"details": {"image": "", "container": c.name, "reason": "missing"},
	}
}

why(reason) := reason if is_string(reason)

why(reason) := "unparseable" if not is_string(reason)

# Point at `image: null` when the key is there, else at the container that lacks it.
path_of_missing(c) := concat("", [c.path, "/image"]) if "image" in object.keys(c.container)

path_of_missing(c) := c.path if not "image" in object.keys(c.container)

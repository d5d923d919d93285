package plumbline.rules.image_signature_unverified

import rego.v1

import data.plumbline.lib.images

# input.images[img].signature is filled by the signature verifier (null when none is configured):
# {"required": bool, "state": "verified|unverified|unverifiable|skipped", "by": key, "error": why}.
# Each distinct image is judged once; only then are the containers that use it looked up.

violation contains v if {
	some img, fact in input.images
	sig := fact.signature
	sig != null
	sig.required == true
	sig.state == "unverified"
	not images.exempt(img)
	some c in data.plumbline.lib.k8s.containers
	c.container.image == img
	v := {
		"msg": sprintf("%s uses image %q without a trusted signature: %s", [c.desc, img, reason(sig)]),
		"path": concat("", [c.path, "/image"]),
		"details": {"image": img, "container": c.name, "digest": fact.digest, "state": sig.state, "error": reason(sig)},
	}
}

# No registry answered and no layout holds the image: not a pass, but not proof of a problem either.
violation contains v if {
	some img, fact in input.images
	sig := fact.signature
	sig != null
	sig.required == true
	sig.state == "unverifiable"
	not images.exempt(img)
	some c in data.plumbline.lib.k8s.containers
	c.container.image == img
	v := {
		"msg": sprintf("%s uses image %q whose signature could not be checked: %s", [c.desc, img, reason(sig)]),
		"path": concat("", [c.path, "/image"]),
		"severity": "warning",
		"details": {"image": img, "container": c.name, "digest": fact.digest, "state": sig.state, "error": reason(sig)},
	}
}

reason(sig) := sig.error if {
	is_string(sig.error)
} else := "no reason given"

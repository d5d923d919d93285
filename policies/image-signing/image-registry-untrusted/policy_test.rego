# Rego unit tests of image-registry-untrusted, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.image_registry_untrusted_test

import rego.v1

# A Pod with one container per image, and the engine's image facts for them (`refs`: image ->
# parsed reference, null when it does not parse).
pod(refs) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "erp"},
		"spec": {"containers": [{"name": sprintf("c%d", [i]), "image": img} | some i, img in sort(object.keys(refs))]},
	},
	"images": {img: {"reference": r, "name": name(r), "error": null, "digest": null, "signature": null} | some img, r in refs},
}

name(r) := concat("/", [r.registry, r.repository]) if r != null

name(null) := null

parsed(registry, repository, tag) := {"registry": registry, "repository": repository, "tag": tag, "digest": null}

redis := {"redis:7.2": parsed("docker.io", "library/redis", "7.2")}

odoo := {"registry.example.com/erp/odoo:17.0": parsed("registry.example.com", "erp/odoo", "17.0")}

images(refs, allowed, denied) := imgs if {
	vs := data.plumbline.rules.image_registry_untrusted.violation with input as pod(refs)
		with data.plumbline.params.images.allowedRegistries as allowed
		with data.plumbline.params.images.deniedRegistries as denied
	imgs := sort([v.details.image | some v in vs])
	count(imgs) == count(vs)
}

test_denied_registry_is_a_violation_at_the_image if {
	vs := data.plumbline.rules.image_registry_untrusted.violation with input as pod(object.union(redis, odoo))
		with data.plumbline.params.images.deniedRegistries as ["docker.io/"]
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/image"
	v.msg == `container "c0" uses image "redis:7.2" from denied registry "docker.io/"`
	v.details.denied == "docker.io/"
}

test_off_with_both_lists_empty if {
	count(data.plumbline.rules.image_registry_untrusted.violation) == 0 with input as pod(object.union(redis, odoo))
	images(object.union(redis, odoo), [], []) == []
}

test_allow_list_entries_are_prefixes_at_a_path_boundary if {
	refs := {
		"registry.example.com/erp/odoo:17.0": parsed("registry.example.com", "erp/odoo", "17.0"),
		"registry.example.com/erp-tools/odoo:17.0": parsed("registry.example.com", "erp-tools/odoo", "17.0"),
		"registry.example.com:5000/erp/odoo:17.0": parsed("registry.example.com:5000", "erp/odoo", "17.0"),
		"redis:7.2": parsed("docker.io", "library/redis", "7.2"),
	}
	images(refs, ["registry.example.com/erp/"], []) == ["redis:7.2", "registry.example.com/erp-tools/odoo:17.0", "registry.example.com:5000/erp/odoo:17.0"]
}

test_not_allowed_message if {
	vs := data.plumbline.rules.image_registry_untrusted.violation with input as pod(redis)
		with data.plumbline.params.images.allowedRegistries as ["registry.example.com/erp/"]
	some v in vs
	v.msg == `container "c0" uses image "redis:7.2" from docker.io, not an allowed registry`
}

test_short_names_are_matched_normalised if {
	images(redis, ["docker.io/library/"], []) == []
	images(redis, [], ["docker.io"]) == ["redis:7.2"]
}

test_registry_globs if {
	ecr := {"123456789012.dkr.ecr.eu-central-1.amazonaws.com/erp/odoo:17.0": parsed("123456789012.dkr.ecr.eu-central-1.amazonaws.com", "erp/odoo", "17.0")}
	images(object.union(ecr, redis), ["*.dkr.ecr.*.amazonaws.com/*"], []) == ["redis:7.2"]
}

test_denied_wins_over_allowed_and_is_reported_once if {
	vs := data.plumbline.rules.image_registry_untrusted.violation with input as pod(redis)
		with data.plumbline.params.images.allowedRegistries as ["registry.example.com/erp/"]
		with data.plumbline.params.images.deniedRegistries as ["docker.io/"]
	count(vs) == 1
	some v in vs
	contains(v.msg, "from denied registry")
}

test_exempt_and_unparseable_images_are_skipped if {
	count(data.plumbline.rules.image_registry_untrusted.violation) == 0 with input as pod(redis)
		with data.plumbline.params.images.deniedRegistries as ["docker.io/"]
		with data.plumbline.params.images.exemptImages as ["docker.io/library/redis:*"]
	images({"Redis:7": null}, ["registry.example.com/erp/"], ["docker.io/"]) == []
}

test_exact_reference_entry_admits_that_reference_only if {
	refs := {
		"registry.example.com/erp/odoo:17.0": parsed("registry.example.com", "erp/odoo", "17.0"),
		"registry.example.com/erp/odoo:17.1": parsed("registry.example.com", "erp/odoo", "17.1"),
	}
	images(refs, ["registry.example.com/erp/odoo:17.0"], []) == ["registry.example.com/erp/odoo:17.1"]
}

# odoo-module-allowlist: Odoo containers install (-i, --init) or update (-u, --update) only the
# modules of params.custom.odoo.allowedModules.
package plumbline.rules.odoo_module_allowlist

import rego.v1

violation contains v if {
	allowed := data.plumbline.params.custom.odoo.allowedModules
	some list in module_lists
	some name in split(list.modules, ",")
	module := trim_space(name)
	module != ""
	not module in allowed
	v := {
		"msg": sprintf("%s installs or updates the Odoo module %q, which is not in params.custom.odoo.allowedModules", [list.arg.desc, module]),
		"path": sprintf("%s/%d", [list.arg.base, list.index]),
		"details": {"container": list.arg.name, "module": module},
	}
}

# Every argument of the command and args of a container running an Odoo image, with the JSON
# pointer of its list.
odoo_args contains a if {
	some c in data.plumbline.lib.k8s.containers
	endswith(object.get(input.images, [c.image, "name"], ""), "/odoo")
	some field in ["command", "args"]
	argv := object.get(c.container, field, [])
	some i, arg in argv
	a := {"desc": c.desc, "name": c.name, "argv": argv, "i": i, "arg": arg, "base": sprintf("%s/%s", [c.path, field])}
}

# A module list given as the next argument: `-i sale,stock`, `--update stock`.
module_lists contains {"arg": a, "index": a.i + 1, "modules": a.argv[a.i + 1]} if {
	some a in odoo_args
	a.arg in {"-i", "--init", "-u", "--update"}
}

# A module list in the argument itself: `--init=sale,stock`.
module_lists contains {"arg": a, "index": a.i, "modules": substring(a.arg, count(prefix), -1)} if {
	some a in odoo_args
	some prefix in ["--init=", "--update="]
	startswith(a.arg, prefix)
}

package plumbline.rules.backup_unencrypted

import rego.v1

# Database backups written to object storage without encryption, or sent to it over plain HTTP:
# - CloudNativePG (postgresql.cnpg.io Cluster spec.backup.barmanObjectStore and
#   spec.externalClusters[].barmanObjectStore; barmancloud.cnpg.io ObjectStore
#   spec.configuration): on an S3 destination, `data.encryption` (base backups) and
#   `wal.encryption` (WAL archive) unset or empty (Azure Blob and GCS always encrypt at rest);
#   any `endpointURL` starting with http://;
# - Crunchy PGO (PostgresCluster spec.backups.pgbackrest): an s3, gcs or azure repo `repoN`
#   without `repoN-cipher-type` (or with `none`) in `global`.

kind := input.object.kind

group := regex.replace(object.get(input.object, "apiVersion", ""), "/[^/]*$", "")

name := object.get(object.get(input.object, "metadata", {}), "name", "")

# (path, barmanObjectStore configuration) of the object.
stores contains [p, s] if {
	kind == "Cluster"
	group == "postgresql.cnpg.io"
	s := input.object.spec.backup.barmanObjectStore
	is_object(s)
	p := "/spec/backup/barmanObjectStore"
}

stores contains [p, s] if {
	kind == "Cluster"
	group == "postgresql.cnpg.io"
	some i, ext in input.object.spec.externalClusters
	s := ext.barmanObjectStore
	is_object(s)
	p := sprintf("/spec/externalClusters/%d/barmanObjectStore", [i])
}

stores contains [p, s] if {
	kind == "ObjectStore"
	group == "barmancloud.cnpg.io"
	s := input.object.spec.configuration
	is_object(s)
	p := "/spec/configuration"
}

s3(store) if is_object(store.s3Credentials)

s3(store) if startswith(object.get(store, "destinationPath", ""), "s3://")

# The values the CloudNativePG CRD accepts (its EncryptionType enum); anything else is no
# server-side encryption Barman can request.
encryption_set(section) if section.encryption in {"AES256", "aws:kms"}

without(section, part) := sprintf("with %s.encryption %q", [part, section.encryption]) if {
	is_string(section.encryption)
	section.encryption != ""
} else := sprintf("without %s.encryption", [part])

violation contains v if {
	some [p, store] in stores
	s3(store)
	some part in ["data", "wal"]
	section := object.get(store, part, {})
	not encryption_set(section)
	v := {
		"msg": sprintf("%s %q writes %s to %s %s, so the objects are encrypted only if the bucket enforces it; set %s.encryption to AES256 or aws:kms", [kind, name, what[part], dest(store), without(section, part), part]),
		"path": field_path(p, store, part),
		"details": {"destinationPath": object.get(store, "destinationPath", ""), "section": part},
	}
}

what := {"data": "base backups", "wal": "the WAL archive"}

dest(store) := sprintf("%q", [store.destinationPath]) if is_string(store.destinationPath)

dest(store) := "S3" if not is_string(object.get(store, "destinationPath", null))

field_path(p, store, part) := concat("/", [p, part, "encryption"]) if {
	is_string(store[part].encryption)
} else := concat("/", [p, part]) if is_object(store[part])

field_path(p, store, part) := p if not is_object(object.get(store, part, null))

violation contains v if {
	some [p, store] in stores
	url := store.endpointURL
	is_string(url)
	startswith(lower(url), "http://")
	v := {
		"msg": sprintf("%s %q sends backups and WAL to the object store at %q over plain HTTP: database contents and the store's credentials cross the network unencrypted; use an https:// endpoint (with endpointCA for a private CA)", [kind, name, url]),
		"path": concat("/", [p, "endpointURL"]),
		"details": {"endpointURL": url},
	}
}

# Crunchy PGO: pgBackRest repositories in object storage without client-side encryption.
violation contains v if {
	kind == "PostgresCluster"
	group == "postgres-operator.crunchydata.com"
	pgbr := input.object.spec.backups.pgbackrest
	some i, repo in pgbr.repos
	some store in ["s3", "gcs", "azure"]
	is_object(repo[store])
	rname := repo.name
	is_string(rname)
	global := object.get(pgbr, "global", {})
	cipher := lower(sprintf("%v", [object.get(global, sprintf("%s-cipher-type", [rname]), "none")]))
	cipher == "none"
	v := {
		"msg": sprintf("PostgresCluster %q stores pgBackRest repository %s in %s without client-side encryption; set %s-cipher-type: aes-256-cbc in spec.backups.pgbackrest.global and %s-cipher-pass in a Secret under configuration", [name, rname, store, rname, rname]),
		"path": sprintf("/spec/backups/pgbackrest/repos/%d", [i]),
		"details": {"repo": rname, "store": store},
	}
}

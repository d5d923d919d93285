# Rego unit tests of backup-unencrypted, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.backup_unencrypted_test

import rego.v1

cnpg(store) := {"object": {
	"apiVersion": "postgresql.cnpg.io/v1",
	"kind": "Cluster",
	"metadata": {"name": "erp-db"},
	"spec": {"instances": 3, "backup": {"barmanObjectStore": store}},
}}

s3_creds := {"accessKeyId": {"name": "backup-creds", "key": "ACCESS_KEY_ID"}}

violations(store) := fs if {
	vs := data.plumbline.rules.backup_unencrypted.violation with input as cnpg(store)
	fs := sort([[v.path, v.details.section] | some v in vs])
	count(fs) == count(vs)
}

test_s3_store_without_encryption_reports_data_and_wal if {
	vs := data.plumbline.rules.backup_unencrypted.violation with input as cnpg({"destinationPath": "s3://erp-backups/erp-db", "data": {"compression": "gzip"}})
	count(vs) == 2
	some v in vs
	v.details.section == "data"
	v.path == "/spec/backup/barmanObjectStore/data"
	contains(v.msg, `writes base backups to "s3://erp-backups/erp-db" without data.encryption`)
	some w in vs
	w.details.section == "wal"
	w.path == "/spec/backup/barmanObjectStore"
}

test_encrypted_s3_store_passes if {
	count(data.plumbline.rules.backup_unencrypted.violation) == 0 with input as cnpg({
		"destinationPath": "s3://erp-backups/erp-db",
		"endpointURL": "https://s3.eu-central-1.amazonaws.com",
		"s3Credentials": s3_creds,
		"data": {"encryption": "AES256"},
		"wal": {"encryption": "aws:kms"},
	})
}

test_s3_credentials_make_an_s3_store if {
	violations({"destinationPath": "https://minio.example.com/erp", "s3Credentials": s3_creds, "data": {"encryption": "AES256"}, "wal": {"encryption": ""}}) == [["/spec/backup/barmanObjectStore/wal/encryption", "wal"]]
}

test_azure_and_gcs_are_not_reported if {
	count(data.plumbline.rules.backup_unencrypted.violation) == 0 with input as cnpg({"destinationPath": "https://acct.blob.core.windows.net/erp", "azureCredentials": {}})
	count(data.plumbline.rules.backup_unencrypted.violation) == 0 with input as cnpg({"destinationPath": "gs://erp-backups/erp-db", "googleCredentials": {}})
}

test_plain_http_endpoint_is_reported_on_any_store if {
	vs := data.plumbline.rules.backup_unencrypted.violation with input as cnpg({"destinationPath": "gs://erp-backups/erp-db", "endpointURL": "HTTP://minio.backup:9000"})
	count(vs) == 1
	some v in vs
	v.path == "/spec/backup/barmanObjectStore/endpointURL"
	contains(v.msg, "over plain HTTP")
}

test_external_cluster_and_plugin_object_store if {
	vs := data.plumbline.rules.backup_unencrypted.violation with input as {"object": {
		"apiVersion": "postgresql.cnpg.io/v1",
		"kind": "Cluster",
		"metadata": {"name": "erp-db"},
		"spec": {"externalClusters": [{"name": "origin"}, {"name": "old", "barmanObjectStore": {"destinationPath": "s3://old/erp", "data": {"encryption": "AES256"}}}]},
	}}
	[v.path | some v in vs] == ["/spec/externalClusters/1/barmanObjectStore"]
	ws := data.plumbline.rules.backup_unencrypted.violation with input as {"object": {
		"apiVersion": "barmancloud.cnpg.io/v1",
		"kind": "ObjectStore",
		"metadata": {"name": "erp-store"},
		"spec": {"configuration": {"destinationPath": "s3://erp/", "wal": {"encryption": "AES256"}}},
	}}
	[w.path | some w in ws] == ["/spec/configuration"]
}

pgo(global) := {"object": {
	"apiVersion": "postgres-operator.crunchydata.com/v1beta1",
	"kind": "PostgresCluster",
	"metadata": {"name": "erp-db"},
	"spec": {"backups": {"pgbackrest": {"global": global, "repos": [
		{"name": "repo1", "volume": {}},
		{"name": "repo2", "s3": {"bucket": "erp", "endpoint": "s3.amazonaws.com", "region": "eu-central-1"}},
	]}}},
}}

test_pgbackrest_object_store_repo_without_cipher if {
	vs := data.plumbline.rules.backup_unencrypted.violation with input as pgo({"repo1-retention-full": "14"})
	count(vs) == 1
	some v in vs
	v.path == "/spec/backups/pgbackrest/repos/1"
	v.details == {"repo": "repo2", "store": "s3"}
	count(data.plumbline.rules.backup_unencrypted.violation) == 1 with input as pgo({"repo2-cipher-type": "None"})
	count(data.plumbline.rules.backup_unencrypted.violation) == 0 with input as pgo({"repo2-cipher-type": "aes-256-cbc"})
}

test_an_encryption_value_outside_the_crd_enum_is_reported_at_the_value if {
	store := {"destinationPath": "s3://erp/db", "data": {"encryption": "none"}, "wal": {"encryption": "AES256"}}
	vs := data.plumbline.rules.backup_unencrypted.violation with input as cnpg(store)
	count(vs) == 1
	some v in vs
	v.path == "/spec/backup/barmanObjectStore/data/encryption"
	contains(v.msg, `with data.encryption "none"`)
	kms := {"destinationPath": "s3://erp/db", "data": {"encryption": "aws:kms"}, "wal": {"encryption": "aws:kms"}}
	count(data.plumbline.rules.backup_unencrypted.violation) == 0 with input as cnpg(kms)
}

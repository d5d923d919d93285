//go:build tools

// Package tools pins the programs the end-to-end tests build (see scripts/cluster-tools.sh):
// kube-apiserver and kubectl from one Kubernetes release, and the etcd that release is tested with.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)

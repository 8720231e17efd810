// Package blobtest is the conformance suite of blob.Backend: the executable form of the
// contract written on that interface. Every backend's tests call [Run], which also exercises a
// blob.Vault over the backend, damaging stored blobs through the backend itself to check that
// every kind of damage is caught.
//
// It is imported by tests only.
package blobtest

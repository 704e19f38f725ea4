// Command terraform-provider-bkcmdb serves the BlueKing CMDB Terraform provider.
package main

import (
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/provider"
)

// version is set by the release build (goreleaser passes -X main.version=...).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	// provider.NewProtocol6Server is the framework's protocol 6 server (what
	// providerserver.Serve would run) with the fast read of bkcmdb_service_instances.
	newServer := provider.NewProtocol6Server(version)
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	err := tf6server.Serve("registry.terraform.io/bkcmdb/bkcmdb", func() tfprotov6.ProviderServer {
		s, err := newServer()
		if err != nil {
			log.Fatal(err.Error())
		}
		return s
	}, opts...)
	if err != nil {
		log.Fatal(err.Error())
	}
}

package provider

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// The checks below are shared by the plan-time attribute validators (values written in
// HCL) and by Configure (values taken from environment variables), so that a value is
// judged the same wherever it comes from.

// checkBaseURL, checkGateway and checkHeader are the client's own checks, so that a
// value the plan accepts is one the client accepts.
func checkBaseURL(s string) error { return cmdb.CheckBaseURL(s) }

func checkGateway(s string) error { return cmdb.CheckGateway(s) }

// checkHeader accepts a valid HTTP header field that is not one the client sets itself.
func checkHeader(name, value string) error { return cmdb.CheckHeader(name, value) }

// parsePositiveDuration parses a Go duration such as "30s" or "1m30s" that must be above zero.
func parsePositiveDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("it is not a Go duration such as \"500ms\", \"30s\" or \"2m\": %v", err)
	}
	if d <= 0 {
		return 0, errors.New("it must be longer than zero")
	}
	return d, nil
}

func checkPositiveDuration(s string) error {
	_, err := parsePositiveDuration(s)
	return err
}

// checkCACertPEM accepts a PEM bundle that holds at least one parseable certificate.
func checkCACertPEM(s string) error {
	rest := []byte(s)
	found := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return fmt.Errorf("certificate %d cannot be parsed: %v", found+1, err)
		}
		found++
	}
	if found == 0 {
		return errors.New("it holds no PEM certificate (a block starting with -----BEGIN CERTIFICATE-----)")
	}
	return nil
}

// checkLanguage accepts a non-empty language tag without spaces, such as "en" or "zh-cn",
// that can be sent as a header value.
func checkLanguage(s string) error {
	if s == "" || strings.ContainsAny(s, " \t\r\n") || cmdb.CheckHeaderValue(s) != nil {
		return errors.New("it must be a language tag such as \"en\" or \"zh-cn\"")
	}
	return nil
}

// checkHeaderText accepts a value that can travel in a header: no line break or other
// control character.
func checkHeaderText(s string) error { return cmdb.CheckHeaderValue(s) }

// checkSupplierAccount accepts a non-empty supplier account that can travel in a path
// and a header.
func checkSupplierAccount(s string) error {
	if s == "" {
		return errors.New("it must not be empty (the default is \"0\")")
	}
	return cmdb.CheckHeaderValue(s)
}

package provider

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bkcmdb/terraform-provider-bkcmdb/internal/cmdb"
)

// The checks below are shared by the plan-time attribute validators (values written in
// HCL) and by Configure (values taken from environment variables), so that a value is
// judged the same wherever it comes from.

// checkBaseURL accepts an absolute http or https URL with a host and no query or fragment.
func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("it is not a URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("it must be an absolute http or https URL, such as https://paas.example.com (esb) or https://bkapi.example.com/api/bk-cmdb/prod (apigw)")
	}
	if u.Host == "" {
		return errors.New("it has no host")
	}
	if u.User != nil {
		return errors.New("it must not carry credentials: use bk_app_code and bk_app_secret")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return errors.New("it must not have a query or a fragment")
	}
	return nil
}

// checkGateway accepts the two front doors the client knows.
func checkGateway(s string) error {
	switch cmdb.Gateway(s) {
	case cmdb.GatewayESB, cmdb.GatewayAPIGW:
		return nil
	}
	return fmt.Errorf("it must be %q (the legacy ESB) or %q (the BlueKing API gateway)", cmdb.GatewayESB, cmdb.GatewayAPIGW)
}

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

// checkLanguage accepts a non-empty language tag without spaces, such as "en" or "zh-cn".
func checkLanguage(s string) error {
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return errors.New("it must be a language tag such as \"en\" or \"zh-cn\"")
	}
	return nil
}

// reservedHeaders are set by the provider itself and cannot be replaced through headers.
var reservedHeaders = []string{"X-Bkapi-Authorization", "Content-Type", "User-Agent"}

// checkHeader accepts a valid HTTP header field that is not one the provider sets itself.
func checkHeader(name, value string) error {
	if name == "" || strings.IndexFunc(name, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r)
	}) >= 0 {
		return fmt.Errorf("%q is not a valid HTTP header name", name)
	}
	for _, reserved := range reservedHeaders {
		if http.CanonicalHeaderKey(name) == reserved {
			return fmt.Errorf("%q is set by the provider and cannot be overridden", reserved)
		}
	}
	// net/http sends no control character but a tab in a value (it refuses the request).
	if strings.IndexFunc(value, func(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f }) >= 0 {
		return fmt.Errorf("the value of %q must not contain line breaks or other control characters", name)
	}
	return nil
}

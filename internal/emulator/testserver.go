package emulator

import "testing"

// NewTestServer starts an emulator for opts on 127.0.0.1 (a free port) and
// closes it when the test ends.
func NewTestServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s := New(opts)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// NewTLSTestServer is NewTestServer over HTTPS; it also returns the CA PEM
// that the client must trust.
func NewTLSTestServer(t testing.TB, opts Options) (*Server, string) {
	t.Helper()
	s := New(opts)
	caPEM, err := s.StartTLS("127.0.0.1:0")
	if err != nil {
		t.Fatalf("start emulator over TLS: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, caPEM
}

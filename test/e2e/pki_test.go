//go:build e2e

package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testPKI is the certificates node and gateway use for mutual TLS: a CA, a
// server certificate for the gateway on loopback and a client certificate
// for the nodes, as PEM files (generated here, so the test needs no openssl).
type testPKI struct {
	CA                    string
	ServerCert, ServerKey string
	ClientCert, ClientKey string
}

// newTestPKI writes a fresh CA and the two certificates it signs into dir.
func newTestPKI(t *testing.T, dir string) *testPKI {
	t.Helper()
	ca, caKey := newCA(t, "vigil-e2e CA")
	p := &testPKI{CA: writePEM(t, dir, "ca.crt", "CERTIFICATE", ca.Raw)}
	server := certTemplate("vigil-e2e gateway", x509.ExtKeyUsageServerAuth)
	server.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	server.DNSNames = []string{"localhost"}
	p.ServerCert, p.ServerKey = issue(t, dir, "server", server, ca, caKey)
	p.ClientCert, p.ClientKey = issue(t, dir, "client", certTemplate("vigil-e2e node", x509.ExtKeyUsageClientAuth), ca, caKey)
	return p
}

// nodeEnv points examples/otlp.yaml's TLS settings at the client certificate.
func (p *testPKI) nodeEnv() []string {
	return []string{"VIGIL_TLS_CA_FILE=" + p.CA, "VIGIL_TLS_CERT_FILE=" + p.ClientCert, "VIGIL_TLS_KEY_FILE=" + p.ClientKey}
}

// gatewayEnv points examples/gateway.yaml's TLS settings at the server
// certificate.
func (p *testPKI) gatewayEnv() []string {
	return []string{"VIGIL_TLS_CA_FILE=" + p.CA, "VIGIL_TLS_CERT_FILE=" + p.ServerCert, "VIGIL_TLS_KEY_FILE=" + p.ServerKey}
}

func newCA(t *testing.T, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	tmpl := certTemplate(name)
	tmpl.IsCA = true
	tmpl.BasicConstraintsValid = true
	tmpl.KeyUsage = x509.KeyUsageCertSign
	return sign(t, tmpl, nil, nil)
}

// issue signs tmpl with the CA and writes the certificate and its key as
// dir/name.crt and dir/name.key.
func issue(t *testing.T, dir, name string, tmpl, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (certPath, keyPath string) {
	t.Helper()
	cert, key := sign(t, tmpl, ca, caKey)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return writePEM(t, dir, name+".crt", "CERTIFICATE", cert.Raw), writePEM(t, dir, name+".key", "PRIVATE KEY", keyDER)
}

// sign makes a key and a certificate for it from tmpl, signed by parent, or
// by itself when parent is nil.
func sign(t *testing.T, tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func certTemplate(name string, usage ...x509.ExtKeyUsage) *x509.Certificate {
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  usage,
	}
}

func writePEM(t *testing.T, dir, name, blockType string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestGatewayRequiresClientCertificate runs examples/gateway.yaml and
// connects to it as a node would, with and without a certificate: only a
// client certificate from the nodes' CA gets an HTTP/2 (gRPC) answer, the
// rest are refused in the TLS handshake. That node -> gateway works over
// mutual TLS is TestKernelToOTLPBackend.
func TestGatewayRequiresClientCertificate(t *testing.T) {
	dir := t.TempDir()
	pki := newTestPKI(t, dir)
	addr := freeLoopbackAddr(t)
	startGateway(t, "gateway", dir, addr, pki)

	roots := x509.NewCertPool()
	caPEM, err := os.ReadFile(pki.CA)
	if err != nil {
		t.Fatal(err)
	}
	roots.AppendCertsFromPEM(caPEM)
	nodeCert, err := tls.LoadX509KeyPair(pki.ClientCert, pki.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	// A certificate for the same name from a CA the gateway does not trust.
	other := t.TempDir()
	otherCA, otherKey := newCA(t, "another CA")
	foreignCert, err := tls.LoadX509KeyPair(issue(t, other, "client", certTemplate("vigil-e2e node", x509.ExtKeyUsageClientAuth), otherCA, otherKey))
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name     string
		cert     *tls.Certificate
		accepted bool
	}{
		{"no client certificate", nil, false},
		{"client certificate from another CA", &foreignCert, false},
		{"the nodes' client certificate", &nodeCert, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &tls.Config{RootCAs: roots, NextProtos: []string{"h2"}}
			if tc.cert != nil {
				// Present it even though the gateway names another CA as
				// the one it accepts (crypto/tls would send nothing).
				cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return tc.cert, nil }
			}
			err := speakHTTP2(addr, cfg)
			switch {
			case tc.accepted && err != nil:
				t.Errorf("the gateway refused the nodes' certificate: %v", err)
			case !tc.accepted && err == nil:
				t.Error("the gateway answered a client it must refuse")
			case !tc.accepted && !strings.Contains(err.Error(), "certificate"):
				t.Errorf("the connection failed, but not for its certificate: %v", err)
			case !tc.accepted:
				t.Logf("refused: %v", err)
			}
		})
	}
}

// speakHTTP2 opens a TLS connection, sends the HTTP/2 client preface and an
// empty SETTINGS frame, and requires the server's first frame, SETTINGS, in
// return. With TLS 1.3 a refused client certificate shows as an alert on that
// read, not in the handshake.
func speakHTTP2(addr string, cfg *tls.Config) error {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}
	preface := "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
	settings := []byte{0, 0, 0, 4, 0, 0, 0, 0, 0} // length 0, type SETTINGS, no flags, stream 0
	if _, err := conn.Write(append([]byte(preface), settings...)); err != nil {
		return err
	}
	header := make([]byte, 9)
	if _, err := io.ReadFull(conn, header); err != nil {
		return err
	}
	if header[3] != 4 {
		return fmt.Errorf("first frame from the gateway has type %d, not SETTINGS", header[3])
	}
	return nil
}

package argparse

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"strings"
)

// Sockaddr parses a raw struct sockaddr into Tracee's map form:
// {"sa_family": "AF_INET", "sin_addr": "10.0.0.1", "sin_port": "443"},
// {"sa_family": "AF_INET6", "sin6_addr", "sin6_port", "sin6_flowinfo", "sin6_scopeid"},
// {"sa_family": "AF_UNIX", "sun_path": "/run/docker.sock"}. Ports are
// strings, as in Tracee. A buffer too short for its family yields only
// sa_family, so a truncated read is visible rather than invented.
func Sockaddr(raw []byte) map[string]string {
	if len(raw) < 2 {
		return map[string]string{"sa_family": "AF_UNSPEC"}
	}
	family := uint64(binary.LittleEndian.Uint16(raw))
	m := map[string]string{"sa_family": SocketDomain(family)}
	switch family {
	case 2: // AF_INET
		if len(raw) >= 8 {
			m["sin_port"] = strconv.Itoa(int(binary.BigEndian.Uint16(raw[2:4])))
			m["sin_addr"] = netip.AddrFrom4([4]byte(raw[4:8])).String()
		}
	case 10: // AF_INET6
		if len(raw) >= 28 {
			m["sin6_port"] = strconv.Itoa(int(binary.BigEndian.Uint16(raw[2:4])))
			m["sin6_flowinfo"] = strconv.FormatUint(uint64(binary.BigEndian.Uint32(raw[4:8])), 10)
			m["sin6_addr"] = netip.AddrFrom16([16]byte(raw[8:24])).String()
			m["sin6_scopeid"] = strconv.FormatUint(uint64(binary.LittleEndian.Uint32(raw[24:28])), 10)
		}
	case 1: // AF_UNIX
		path := raw[2:]
		if len(path) > 0 && path[0] == 0 {
			// Abstract socket: Tracee shows the leading NUL as '@'.
			m["sun_path"] = "@" + strings.TrimRight(string(path[1:]), "\x00")
		} else if i := strings.IndexByte(string(path), 0); i >= 0 {
			m["sun_path"] = string(path[:i])
		} else {
			m["sun_path"] = string(path)
		}
	}
	return m
}
